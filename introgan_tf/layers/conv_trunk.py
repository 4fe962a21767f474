"""The IntroGAN conv trunk with an activation after every conv (MeRGAN-ig's discriminator, the bounds' CNN).

Conv 5x5/2 (dim) -> Conv 5x5/2 (2 dim) -> Conv 5x5/2 (4 dim), LeakyReLU(0.2) after
each, flattened (4x4x4 dim: 4096-d for 28x28 and 32x32 at the original's dim = 64).  Unlike IntroGAN's EmbeddingDiscriminator,
the third conv is activated too: the bounds' CNN and MeRGAN's discriminator put
their heads on post-activation features.  Stride-adjusted initialisation as
the original (initializers.py).
"""

from keras import layers, ops

from introgan_tf.layers import numbered_layers
from introgan_tf.layers.initializers import stride_adjusted_uniform

DIM = 64
WIDTHS = (DIM, 2 * DIM, 4 * DIM)


def add_trunk_convs(owner, in_channels: int, prefix: str, dim: int = DIM) -> list:
    """Creates the three strided convs as ``owner.<prefix>_conv1..3`` (attributes, see numbered_layers)."""
    c_in = in_channels
    for k, c_out in enumerate((dim, 2 * dim, 4 * dim), start=1):
        setattr(owner, f"{prefix}_conv{k}", layers.Conv2D(
            c_out, 5, strides=2, padding="same", name=f"{prefix}_conv{k}",
            kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, False)))
        c_in = c_out
    return trunk_convs(owner, prefix)


def trunk_convs(owner, prefix: str) -> list:
    """The three convs created by :func:`add_trunk_convs`."""
    return numbered_layers(owner, f"{prefix}_conv", len(WIDTHS))


def trunk_features(convs, images):
    """Flattened post-activation features [N, F] of images in [-1, 1]."""
    x = images
    for conv in convs:
        x = ops.leaky_relu(conv(x), 0.2)
    return ops.reshape(x, (ops.shape(images)[0], -1))
