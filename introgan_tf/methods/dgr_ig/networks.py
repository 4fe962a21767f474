"""DGR-ig's networks (docs/methods.md#dgr_ig), the IntroGAN benchmark's at 28x28 and 32x32.

* G, unconditional, no label input.  28x28: z [N, 100] -> Dense(4096) -> the DCGAN upsampling trunk
  (layers/dcgan.py).  32x32 (the SVHN script): z [N, 128] -> Dense(4096), no activation -> the 32x32 trunk with
  plain batch norm on the current batch's statistics, always (a one-row conditional batch norm,
  layers/dcgan.py).
* D: the conv trunk of width ``dim`` with LeakyReLU after the third conv too (layers/conv_trunk.py) -> Dense(1),
  the real/fake logit.
* Solver: the bounds' CNN classifier (its own conv trunk -> Dense(C), ``c_class_output``), whose head grows by
  copy (methods/bounds/networks.py).
"""

import keras
from keras import layers, ops

from introgan_tf.layers import dcgan
from introgan_tf.layers.conv_trunk import add_trunk_convs, trunk_convs, trunk_features
from introgan_tf.layers.resolution import network_side
from introgan_tf.methods.bounds.networks import CNNClassifier  # noqa: F401  (DGR-ig's solver)

Z_DIM = 100
DIM = 64
SIDES = {28: 28, 32: 32}


@keras.saving.register_keras_serializable(package="introgan_tf")
class UnconditionalGenerator(keras.Model):
    """z [N, z_dim] ~ N(0, I) -> images [N, 28, 28, channels] in [-1, 1]."""

    def __init__(self, z_dim: int = Z_DIM, channels: int = 1, dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.z_dim, self.channels, self.dim = z_dim, channels, dim
        self.g_input = layers.Dense(64 * dim, kernel_initializer="glorot_uniform", name="g_input")
        dcgan.add_upsampling(self, channels, dim)
        self(ops.zeros((1, z_dim)))

    def call(self, z, training=False):
        return dcgan.upsample(self, self.g_input(z))

    def get_config(self):
        return dict(super().get_config(), z_dim=self.z_dim, channels=self.channels, dim=self.dim)


@keras.saving.register_keras_serializable(package="introgan_tf")
class UnconditionalBNGenerator(keras.Model):
    """z [N, z_dim] ~ N(0, I) -> images [N, 32, 32, channels] in [-1, 1], batch norm on batch statistics (a
    generated image depends on the rest of its batch)."""

    batch_dependent = True

    def __init__(self, z_dim: int = 128, channels: int = 3, dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.z_dim, self.channels, self.dim = z_dim, channels, dim
        self.g_input = layers.Dense(64 * dim, kernel_initializer="glorot_uniform", name="g_input")
        dcgan.add_bn_upsampling(self, channels, 1, dim)  # one gamma/beta row: unconditional
        self(ops.zeros((2, z_dim)))

    def call(self, z, training=False):
        return dcgan.bn_upsample(self, self.g_input(z), ops.zeros((ops.shape(z)[0],), "int32"))

    def get_config(self):
        return dict(super().get_config(), z_dim=self.z_dim, channels=self.channels, dim=self.dim)


@keras.saving.register_keras_serializable(package="introgan_tf")
class SourceDiscriminator(keras.Model):
    """Real/fake logit [N] of images in [-1, 1]: the conv trunk and Dense(1)."""

    def __init__(self, image_shape=(28, 28, 1), dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(image_shape)
        self.dim = dim
        add_trunk_convs(self, self.image_shape[-1], "d", dim)
        self.d_output = layers.Dense(1, kernel_initializer="glorot_uniform", name="d_output")
        self(ops.zeros((1,) + self.image_shape))

    def call(self, images, training=False):
        return ops.cast(ops.squeeze(self.d_output(trunk_features(trunk_convs(self, "d"), images)), -1), "float32")

    def get_config(self):
        return dict(super().get_config(), image_shape=self.image_shape, dim=self.dim)


def make_generator(image_shape, z_dim: int, dim: int = DIM, method: str = "dgr_ig"):
    """The unconditional generator for ``image_shape`` images (one-line InputError for another shape)."""
    if network_side(method, image_shape, SIDES) == 28:
        return UnconditionalGenerator(z_dim, image_shape[-1], dim)
    return UnconditionalBNGenerator(z_dim, image_shape[-1], dim)
