"""DGR-ig's networks (docs/methods.md#dgr_ig), the IntroGAN benchmark's at 28x28.

* G, unconditional: z [N, 100] -> Dense(4096) -> the DCGAN upsampling trunk (layers/dcgan.py), no label input.
* D: the conv trunk with LeakyReLU after the third conv too (layers/conv_trunk.py) -> Dense(1), the real/fake
  logit.
* Solver: the bounds' CNN classifier (its own conv trunk -> Dense(C), ``c_class_output``), whose head grows by
  copy (methods/bounds/networks.py).
"""

import keras
from keras import layers, ops

from introgan_tf.layers.conv_trunk import add_trunk_convs, trunk_convs, trunk_features
from introgan_tf.layers.dcgan import add_upsampling, upsample
from introgan_tf.methods.bounds.networks import CNNClassifier  # noqa: F401  (DGR-ig's solver)

Z_DIM = 100


@keras.saving.register_keras_serializable(package="introgan_tf")
class UnconditionalGenerator(keras.Model):
    """z [N, z_dim] ~ N(0, I) -> images [N, 28, 28, channels] in [-1, 1]."""

    def __init__(self, z_dim: int = Z_DIM, channels: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.z_dim, self.channels = z_dim, channels
        self.g_input = layers.Dense(4096, kernel_initializer="glorot_uniform", name="g_input")
        add_upsampling(self, channels)
        self(ops.zeros((1, z_dim)))

    def call(self, z, training=False):
        return upsample(self, self.g_input(z))

    def get_config(self):
        return dict(super().get_config(), z_dim=self.z_dim, channels=self.channels)


@keras.saving.register_keras_serializable(package="introgan_tf")
class SourceDiscriminator(keras.Model):
    """Real/fake logit [N] of images in [-1, 1]: the conv trunk and Dense(1)."""

    def __init__(self, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(image_shape)
        add_trunk_convs(self, self.image_shape[-1], "d")
        self.d_output = layers.Dense(1, kernel_initializer="glorot_uniform", name="d_output")
        self(ops.zeros((1,) + self.image_shape))

    def call(self, images, training=False):
        return ops.cast(ops.squeeze(self.d_output(trunk_features(trunk_convs(self, "d"), images)), -1), "float32")

    def get_config(self):
        return dict(super().get_config(), image_shape=self.image_shape)
