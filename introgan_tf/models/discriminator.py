"""DCGAN discriminator with an embedding output (IntroGAN, He et al. 2024; introgan.md 3.1).

D(x): Conv 5x5/2 (64) + LReLU(0.2) -> Conv 5x5/2 (128) + LReLU -> Conv 5x5/2 (256)
-> flatten = embedding E(x) (4096-d, taken before the activation) -> LReLU ->
Dense(1) = real/fake logit s(x).  There is no class head: classification is by
prototypes (see prototype_head.py).  No batch-dependent layers, so real images
and prototypes can share one forward pass.
"""

import keras
from keras import layers, ops

from introgan_tf.models.initializers import stride_adjusted_uniform


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
        return ops.squeeze(logit, -1), embedding

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=self.image_shape)
        return config
