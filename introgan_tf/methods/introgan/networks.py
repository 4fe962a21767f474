"""IntroGAN's 28x28 networks (He et al., *Introspective GAN*, Pattern Recognition 2024; docs/methods.md#introgan).

G(z, y): Dense(z ++ onehot(y) -> 4096) + ReLU -> 4x4x256 -> ConvT 5x5/2 (128) + ReLU -> crop 8x8 to 7x7 ->
ConvT 5x5/2 (64) + ReLU -> ConvT 5x5/2 (1) + tanh.  No normalisation layers.  The input Dense (``g_input``) is
the only tensor that grows with the classes: row 100+k of its kernel conditions on class k (growth.py).

D(x): Conv 5x5/2 (64) + LReLU(0.2) -> Conv 5x5/2 (128) + LReLU -> Conv 5x5/2 (256) -> flatten = embedding E(x)
(4096-d, taken before the activation) -> LReLU -> Dense(1) = real/fake logit s(x).  There is no class head:
classification is by prototypes (prototype_head.py).  No batch-dependent layers, so real images and prototypes
can share one forward pass.

Initialisation: the original's stride-adjusted uniform convolutions (layers/initializers.py), Glorot uniform
dense layers.
"""

import keras
from keras import layers, ops

from introgan_tf.layers.initializers import stride_adjusted_uniform

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
        return ops.tanh(ops.cast(self.g_deconv3(x), "float32"))  # float32 images under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, z_dim=self.z_dim, channels=self.channels)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class EmbeddingDiscriminator(keras.Model):
    """Returns ``(logit [N], embedding [N, 4096])`` for images in [-1, 1].

    Args:
      image_shape: (H, W, C) of the input.
    """

    def __init__(self, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(image_shape)
        c_in = self.image_shape[-1]
        self.d_conv1 = layers.Conv2D(64, 5, strides=2, padding="same", name="d_conv1",
                                     kernel_initializer=stride_adjusted_uniform(c_in, 64, 5, 2, False))
        self.d_conv2 = layers.Conv2D(128, 5, strides=2, padding="same", name="d_conv2",
                                     kernel_initializer=stride_adjusted_uniform(64, 128, 5, 2, False))
        self.d_conv3 = layers.Conv2D(256, 5, strides=2, padding="same", name="d_conv3",
                                     kernel_initializer=stride_adjusted_uniform(128, 256, 5, 2, False))
        self.d_output = layers.Dense(1, kernel_initializer="glorot_uniform", name="d_output")
        self(ops.zeros((1,) + self.image_shape))

    def call(self, images, training=False):
        x = ops.leaky_relu(self.d_conv1(images), 0.2)
        x = ops.leaky_relu(self.d_conv2(x), 0.2)
        embedding = ops.reshape(self.d_conv3(x), (ops.shape(images)[0], -1))
        logit = self.d_output(ops.leaky_relu(embedding, 0.2))
        # float32 logit and embedding under mixed precision: the prototype distances are computed from them.
        return ops.cast(ops.squeeze(logit, -1), "float32"), ops.cast(embedding, "float32")

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape)
        return config
