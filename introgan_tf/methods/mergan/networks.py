"""MeRGAN's 32x32 networks, official protocol (Wu et al., NeurIPS 2018; docs/methods.md#mergan).

G(z, y): z in R^128 ~ N(0, I) -> Dense 2048 -> 4x4x128 -> CondBN(y), ReLU -> ConvT 5x5/2 (64)
-> CondBN, ReLU -> ConvT 5x5/2 (32) -> CondBN, ReLU -> ConvT 5x5/2 (C) -> tanh, 32x32.
The label enters only through conditional batch norm, whose tables have one row per
class of the dataset (a fixed label space: nothing grows).

Critic D(x): Conv 5x5/2 32 -> 64 -> 128, LeakyReLU(0.2) after each, no normalisation,
flatten 2048 -> Dense(1) (Wasserstein output) and Dense(num_classes) (AC logits).

Initialisation as the WGAN-GP code base MeRGAN is built on:
stride-adjusted uniform convolutions, Glorot uniform dense layers, gamma = 1, beta = 0.

MNIST is 28x28: ``pad_to_32`` (layers/resolution.py) pads it with -1 (the original pads zeros in [0, 1]
before mapping to [-1, 1]); ``crop_to`` takes generated images back to 28x28.
"""

import keras
from keras import layers, ops

from introgan_tf.layers import SIZE, numbered_layers
from introgan_tf.layers.conditional_batch_norm import ConditionalBatchNorm
from introgan_tf.layers.initializers import stride_adjusted_uniform

Z_DIM = 128
DIM = 32          # DIM_G = DIM_D = 32 for 32x32 images


@keras.saving.register_keras_serializable(package="introgan_tf")
class MeRGANGenerator(keras.Model):
    """32x32 conditional generator; call with ``(z, labels)``, returns [N, 32, 32, channels] in [-1, 1].

    Args:
      num_classes: rows of the CondBN tables (the dataset's class count).
      channels: output channels (1 for MNIST, 3 for SVHN).
      z_dim: noise dimension (128).
    """

    def __init__(self, num_classes: int, channels: int = 1, z_dim: int = Z_DIM, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.channels = channels
        self.z_dim = z_dim
        self.g_input = layers.Dense(4 * 4 * 4 * DIM, kernel_initializer="glorot_uniform", name="g_input")
        widths = (4 * DIM, 2 * DIM, DIM, channels)  # 128 -> 64 -> 32 -> C
        for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            setattr(self, f"g_deconv{k}", layers.Conv2DTranspose(
                c_out, 5, strides=2, padding="same", name=f"g_deconv{k}",
                kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, True)))
        for k in range(1, 4):
            setattr(self, f"g_cond_bn{k}", ConditionalBatchNorm(num_classes, name=f"g_cond_bn{k}"))
        self((ops.zeros((2, z_dim)), ops.zeros((2,), "int32")))  # creates every variable

    def call(self, inputs, training=False):
        z, labels = inputs
        x = ops.reshape(self.g_input(z), (-1, 4, 4, 4 * DIM))
        for norm, deconv in zip(numbered_layers(self, "g_cond_bn", 3), numbered_layers(self, "g_deconv", 3)):
            x = deconv(ops.relu(norm(x, labels)))
        return ops.tanh(ops.cast(x, "float32"))  # float32 images under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels, z_dim=self.z_dim)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class MeRGANCritic(keras.Model):
    """WGAN-GP critic with an AC head; returns ``(wasserstein [N], class logits [N, num_classes])``.

    Args:
      num_classes: outputs of the AC head (the dataset's class count).
      channels: input channels; inputs are [N, 32, 32, channels] in [-1, 1].
    """

    def __init__(self, num_classes: int, channels: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.channels = channels
        widths = (channels, DIM, 2 * DIM, 4 * DIM)  # C -> 32 -> 64 -> 128
        for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            setattr(self, f"d_conv{k}", layers.Conv2D(
                c_out, 5, strides=2, padding="same", name=f"d_conv{k}",
                kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, False)))
        self.wasserstein_output = layers.Dense(1, kernel_initializer="glorot_uniform", name="d_wasserstein")
        self.class_output = layers.Dense(num_classes, kernel_initializer="glorot_uniform", name="d_class")
        self(ops.zeros((1, SIZE, SIZE, channels)))

    def call(self, images, training=False):
        x = images
        for conv in numbered_layers(self, "d_conv", 3):
            x = conv(x)
            x = ops.maximum(x, 0.2 * x)  # LeakyReLU(0.2); the LeakyRelu op makes grappler's remapper log an error here
        features = ops.reshape(x, (ops.shape(images)[0], 4 * 4 * 4 * DIM))
        return (ops.cast(ops.squeeze(self.wasserstein_output(features), -1), "float32"),
                ops.cast(self.class_output(features), "float32"))  # float32 under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels)
        return config
