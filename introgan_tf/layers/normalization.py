"""Layer normalisation of the WGAN-GP code base (Gulrajani et al. 2017), which MeRGAN's 64x64 critic uses.

The critic of a WGAN-GP must not normalise over the batch (the gradient penalty is per sample), so the code base's
``Normalize`` is a layer norm there: mean and variance of each sample over (height, width, channels), then one
scale and one offset per channel (1 and 0 at the start), epsilon 1e-5.
"""

import keras
from keras import layers, ops

EPSILON = 1e-5


@keras.saving.register_keras_serializable(package="introgan_tf")
class ChannelLayerNorm(layers.Layer):
    """Per-sample normalisation of [N, H, W, C] maps over (H, W, C), per-channel scale and offset."""

    def build(self, input_shape):
        channels = input_shape[-1]
        self.scale = self.add_weight(shape=(channels,), initializer="ones", name="scale")
        self.offset = self.add_weight(shape=(channels,), initializer="zeros", name="offset")

    def call(self, x):
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        variance = ops.mean(ops.square(x - mean), axis=(1, 2, 3), keepdims=True)
        return (x - mean) / ops.sqrt(variance + EPSILON) * self.scale + self.offset
