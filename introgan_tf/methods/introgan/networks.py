"""Conditional DCGAN generator for 28x28x1 images (IntroGAN, He et al. 2024; introgan.md 3.1).

G(z, y): Dense(z ++ onehot(y) -> 4096) + ReLU -> 4x4x256 -> ConvT 5x5/2 (128) + ReLU
-> crop 8x8 to 7x7 -> ConvT 5x5/2 (64) + ReLU -> ConvT 5x5/2 (1) + tanh.  No
normalisation layers.  The input Dense (``g_input``) is the only tensor that
grows with the classes: row 100+k of its kernel conditions on class k.
"""

import keras
from keras import layers, ops

from introgan_tf.models.initializers import stride_adjusted_uniform

Z_DIM = 100


@keras.saving.register_keras_serializable(package="introgan_tf")
class ConditionalGenerator(keras.Model):
    """Class-conditional 28x28 generator; call with ``(z, labels)``.

    Args:
      num_classes: number of classes C the one-hot label covers.
      z_dim: noise dimension (100 in the original).
      channels: output channels (1 for MNIST / Fashion-MNIST).
    """

    def __init__(self, num_classes: int, z_dim: int = Z_DIM, channels: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.z_dim = z_dim
        self.channels = channels
        self.g_input = layers.Dense(4096, kernel_initializer="glorot_uniform", name="g_input")
        self.g_deconv1 = layers.Conv2DTranspose(128, 5, strides=2, padding="same", name="g_deconv1",
                                                kernel_initializer=stride_adjusted_uniform(256, 128, 5, 2, True))
        self.g_deconv2 = layers.Conv2DTranspose(64, 5, strides=2, padding="same", name="g_deconv2",
                                                kernel_initializer=stride_adjusted_uniform(128, 64, 5, 2, True))
        self.g_deconv3 = layers.Conv2DTranspose(channels, 5, strides=2, padding="same", name="g_deconv3",
                                                kernel_initializer=stride_adjusted_uniform(64, channels, 5, 2, True))
        self.build_for_classes()

    def build_for_classes(self):
        """Creates every variable by running a dummy batch."""
        self((ops.zeros((1, self.z_dim)), ops.zeros((1,), "int32")))

    def call(self, inputs, training=False):
        z, labels = inputs
        onehot = ops.one_hot(ops.cast(labels, "int32"), self.num_classes)
        x = ops.relu(self.g_input(ops.concatenate([z, ops.cast(onehot, z.dtype)], axis=-1)))
        x = ops.reshape(x, (-1, 4, 4, 256))
        x = ops.relu(self.g_deconv1(x))
        x = x[:, :7, :7, :]  # the original crops 8x8 to the top-left 7x7
        x = ops.relu(self.g_deconv2(x))
        return ops.tanh(self.g_deconv3(x))

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, z_dim=self.z_dim, channels=self.channels)
        return config
