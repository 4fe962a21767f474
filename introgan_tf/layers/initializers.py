"""Stride-adjusted uniform initialiser of the original TF1 code (docs/methods.md#introgan, "Networks").

The original (after the WGAN-GP codebase of Gulrajani et al., 2017) draws conv
kernels from U(-sqrt(3)*sigma, sqrt(3)*sigma) with sigma = sqrt(4 / (fan_in + fan_out)),
where the fan on the strided side is divided by stride**2.  Keras's Glorot
uniform ignores the stride, so we reproduce it explicitly.
"""

import math

import keras


def stride_adjusted_uniform(c_in: int, c_out: int, kernel: int, stride: int, transpose: bool):
    """Returns a RandomUniform initialiser for a (transposed) convolution.

    Args:
      c_in, c_out: input and output channels.
      kernel: kernel size k.
      stride: stride s.
      transpose: True for a transposed convolution (fan_in is divided by s**2),
        False for a convolution (fan_out is divided by s**2).
    """
    fan_in = c_in * kernel * kernel
    fan_out = c_out * kernel * kernel
    if transpose:
        fan_in /= stride * stride
    else:
        fan_out /= stride * stride
    limit = math.sqrt(3.0) * math.sqrt(4.0 / (fan_in + fan_out))
    return keras.initializers.RandomUniform(-limit, limit)
