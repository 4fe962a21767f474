"""The IntroGAN conv trunk with an activation after every conv (baselines.md 2.1 and 5.1).

Conv 5x5/2 (64) -> Conv 5x5/2 (128) -> Conv 5x5/2 (256), LeakyReLU(0.2) after
each, flattened (4096-d for 28x28).  Unlike IntroGAN's EmbeddingDiscriminator,
the third conv is activated too: the bounds' CNN and MeRGAN's discriminator put
their heads on post-activation features.  Stride-adjusted initialisation as
introgan.md 3.3.
"""

from keras import layers, ops

from introgan_tf.models.initializers import stride_adjusted_uniform

WIDTHS = (64, 128, 256)


def trunk_convs(in_channels: int, prefix: str):
    """The three strided convs, named ``<prefix>_conv1..3``."""
    convs, c_in = [], in_channels
    for k, c_out in enumerate(WIDTHS, start=1):
        convs.append(layers.Conv2D(c_out, 5, strides=2, padding="same", name=f"{prefix}_conv{k}",
                                   kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, False)))
        c_in = c_out
    return convs


def trunk_features(convs, images):
    """Flattened post-activation features [N, F] of images in [-1, 1]."""
    x = images
    for conv in convs:
        x = ops.leaky_relu(conv(x), 0.2)
    return ops.reshape(x, (ops.shape(images)[0], -1))
