"""MeRGAN's networks, official protocol (Wu et al., NeurIPS 2018; docs/methods.md#mergan).

32x32 (MNIST, SVHN; ``network/gan32_model.py``), DIM = 32:

G(z, y): z in R^128 ~ N(0, I) -> Dense 16 DIM (2048) -> 4x4x4 DIM -> CondBN(y), ReLU -> ConvT 5x5/2 (2 DIM)
-> CondBN, ReLU -> ConvT 5x5/2 (DIM) -> CondBN, ReLU -> ConvT 5x5/2 (C) -> tanh, 32x32.
The label enters only through conditional batch norm, whose tables have one row per
class of the dataset (a fixed label space: nothing grows).

Critic D(x): Conv 5x5/2 DIM -> 2 DIM -> 4 DIM, LeakyReLU(0.2) after each, no normalisation,
flatten 4x4x4 DIM (2048) -> Dense(1) (Wasserstein output) and Dense(num_classes) (AC logits).

64x64 (LSUN; ``network/gan64_model.py``, the "good" ResNet pair of the WGAN-GP 64x64 code base), DIM = 64:

G(z, y): z in R^128 -> Dense 4x4x8 DIM -> 4 residual up-blocks 8 DIM -> 8 DIM -> 4 DIM -> 2 DIM -> DIM (4 -> 64
pixels) -> CondBN(y), ReLU -> Conv 3x3 (C) -> tanh.  An up-block: shortcut = nearest 2x upsampling + Conv 1x1;
residual = CondBN(y), ReLU -> upsampling + Conv 3x3 (no bias) -> CondBN(y), ReLU -> Conv 3x3.

Critic D(x): Conv 3x3 (DIM) -> 4 residual down-blocks DIM -> 2 DIM -> 4 DIM -> 8 DIM -> 8 DIM (64 -> 4 pixels) ->
flatten 4x4x8 DIM -> Dense(1) and Dense(num_classes).  A down-block: shortcut = 2x2 mean pool + Conv 1x1;
residual = layer norm, ReLU -> Conv 3x3 (no bias) -> layer norm, ReLU -> Conv 3x3 + 2x2 mean pool.  The
normalisation is a per-sample layer norm (layers/normalization.py), never over the batch: the gradient penalty
is per sample, and MeRGAN's replay batches pass D together.

Initialisation as the WGAN-GP code base MeRGAN is built on:
stride-adjusted uniform convolutions ("he" init; the 1x1 shortcuts and the 64x64 critic's input conv Glorot
uniform, the code base's he_init=False), Glorot uniform dense layers, gamma = 1, beta = 0.

MNIST is 28x28: ``pad_to_32`` (layers/resolution.py) pads it with -1 (the original pads zeros in [0, 1]
before mapping to [-1, 1]); ``crop_to`` takes generated images back to 28x28.
"""

import keras
from keras import layers, ops

from introgan_tf.layers import SIZE, numbered_layers
from introgan_tf.layers.conditional_batch_norm import ConditionalBatchNorm
from introgan_tf.layers.initializers import stride_adjusted_uniform
from introgan_tf.layers.normalization import ChannelLayerNorm
from introgan_tf.layers.resolution import network_side

Z_DIM = 128
DIM = 32          # DIM_G = DIM_D = 32 for 32x32 images
DIM_64 = 64       # the 64x64 ResNets' DIM
SIDES = {32: 28, 64: 64}  # 28..32 pixels (padded) on the 32x32 networks, 64 on the ResNets


@keras.saving.register_keras_serializable(package="introgan_tf")
class MeRGANGenerator(keras.Model):
    """32x32 conditional generator; call with ``(z, labels)``, returns [N, 32, 32, channels] in [-1, 1].

    Args:
      num_classes: rows of the CondBN tables (the dataset's class count).
      channels: output channels (1 for MNIST, 3 for SVHN).
      z_dim: noise dimension (128).
      dim: DIM (32).
    """

    image_side = SIZE

    def __init__(self, num_classes: int, channels: int = 1, z_dim: int = Z_DIM, dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.channels = channels
        self.z_dim = z_dim
        self.dim = dim
        self.g_input = layers.Dense(4 * 4 * 4 * dim, kernel_initializer="glorot_uniform", name="g_input")
        widths = (4 * dim, 2 * dim, dim, channels)  # 128 -> 64 -> 32 -> C
        for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            setattr(self, f"g_deconv{k}", layers.Conv2DTranspose(
                c_out, 5, strides=2, padding="same", name=f"g_deconv{k}",
                kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, True)))
        for k in range(1, 4):
            setattr(self, f"g_cond_bn{k}", ConditionalBatchNorm(num_classes, name=f"g_cond_bn{k}"))
        self((ops.zeros((2, z_dim)), ops.zeros((2,), "int32")))  # creates every variable

    def call(self, inputs, training=False):
        z, labels = inputs
        x = ops.reshape(self.g_input(z), (-1, 4, 4, 4 * self.dim))
        for norm, deconv in zip(numbered_layers(self, "g_cond_bn", 3), numbered_layers(self, "g_deconv", 3)):
            x = deconv(ops.relu(norm(x, labels)))
        return ops.tanh(ops.cast(x, "float32"))  # float32 images under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels, z_dim=self.z_dim, dim=self.dim)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class MeRGANCritic(keras.Model):
    """WGAN-GP critic with an AC head; returns ``(wasserstein [N], class logits [N, num_classes])``.

    Args:
      num_classes: outputs of the AC head (the dataset's class count).
      channels: input channels; inputs are [N, 32, 32, channels] in [-1, 1].
      dim: DIM (32).
    """

    image_side = SIZE

    def __init__(self, num_classes: int, channels: int = 1, dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.channels = channels
        self.dim = dim
        widths = (channels, dim, 2 * dim, 4 * dim)  # C -> 32 -> 64 -> 128
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
        features = ops.reshape(x, (ops.shape(images)[0], 4 * 4 * 4 * self.dim))
        return (ops.cast(ops.squeeze(self.wasserstein_output(features), -1), "float32"),
                ops.cast(self.class_output(features), "float32"))  # float32 under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels, dim=self.dim)
        return config


def _he(c_in: int, c_out: int, kernel: int):
    return stride_adjusted_uniform(c_in, c_out, kernel, 1, False)


def _conv(filters: int, kernel: int, name: str, init, use_bias: bool = True):
    return layers.Conv2D(filters, kernel, padding="same", use_bias=use_bias, kernel_initializer=init, name=name)


def upsample2(x):
    """Nearest-neighbour 2x upsampling (the code base's UpsampleConv: 4 copies + depth_to_space)."""
    return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)


def mean_pool2(x):
    """2x2 mean pooling (the code base's MeanPoolConv / ConvMeanPool)."""
    return ops.average_pool(x, 2, strides=2, padding="valid")


@keras.saving.register_keras_serializable(package="introgan_tf")
class MeRGANResNetGenerator(keras.Model):
    """64x64 conditional ResNet generator; call with ``(z, labels)``, returns [N, 64, 64, channels] in [-1, 1].

    Args:
      num_classes: rows of the CondBN tables (the dataset's class count).
      channels: output channels (3 for LSUN).
      z_dim: noise dimension (128).
      dim: DIM (64).
    """

    image_side = 64
    WIDTHS = (8, 8, 4, 2, 1)  # x DIM: the 4x4 input, then the output of each up-block

    def __init__(self, num_classes: int, channels: int = 3, z_dim: int = Z_DIM, dim: int = DIM_64, **kwargs):
        super().__init__(**kwargs)
        self.num_classes, self.channels, self.z_dim, self.dim = num_classes, channels, z_dim, dim
        self.g_input = layers.Dense(4 * 4 * 8 * dim, kernel_initializer="glorot_uniform", name="g_input")
        widths = [multiple * dim for multiple in self.WIDTHS]
        for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            setattr(self, f"g_res{k}_shortcut", _conv(c_out, 1, f"g_res{k}_shortcut", "glorot_uniform"))
            setattr(self, f"g_res{k}_norm1", ConditionalBatchNorm(num_classes, name=f"g_res{k}_norm1"))
            setattr(self, f"g_res{k}_conv1", _conv(c_out, 3, f"g_res{k}_conv1", _he(c_in, c_out, 3), False))
            setattr(self, f"g_res{k}_norm2", ConditionalBatchNorm(num_classes, name=f"g_res{k}_norm2"))
            setattr(self, f"g_res{k}_conv2", _conv(c_out, 3, f"g_res{k}_conv2", _he(c_out, c_out, 3)))
        self.g_output_norm = ConditionalBatchNorm(num_classes, name="g_output_norm")
        self.g_output = _conv(channels, 3, "g_output", _he(dim, channels, 3))
        self((ops.zeros((2, z_dim)), ops.zeros((2,), "int32")))  # creates every variable

    def call(self, inputs, training=False):
        z, labels = inputs
        x = ops.reshape(self.g_input(z), (-1, 4, 4, 8 * self.dim))
        for k in range(1, len(self.WIDTHS)):
            block = lambda name: getattr(self, f"g_res{k}_{name}")  # noqa: E731
            shortcut = block("shortcut")(upsample2(x))
            y = block("conv1")(upsample2(ops.relu(block("norm1")(x, labels))))
            y = block("conv2")(ops.relu(block("norm2")(y, labels)))
            x = shortcut + y
        return ops.tanh(ops.cast(self.g_output(ops.relu(self.g_output_norm(x, labels))), "float32"))

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes, channels=self.channels, z_dim=self.z_dim,
                    dim=self.dim)


@keras.saving.register_keras_serializable(package="introgan_tf")
class MeRGANResNetCritic(keras.Model):
    """64x64 ResNet critic with an AC head; returns ``(wasserstein [N], class logits [N, num_classes])``; each
    sample's outputs depend on that sample only.

    Args:
      num_classes: outputs of the AC head.
      channels: input channels; inputs are [N, 64, 64, channels] in [-1, 1].
      dim: DIM (64).
    """

    image_side = 64
    WIDTHS = (1, 2, 4, 8, 8)  # x DIM: the input conv, then the output of each down-block

    def __init__(self, num_classes: int, channels: int = 3, dim: int = DIM_64, **kwargs):
        super().__init__(**kwargs)
        self.num_classes, self.channels, self.dim = num_classes, channels, dim
        self.d_input = _conv(dim, 3, "d_input", "glorot_uniform")
        widths = [multiple * dim for multiple in self.WIDTHS]
        for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            setattr(self, f"d_res{k}_shortcut", _conv(c_out, 1, f"d_res{k}_shortcut", "glorot_uniform"))
            setattr(self, f"d_res{k}_norm1", ChannelLayerNorm(name=f"d_res{k}_norm1"))
            setattr(self, f"d_res{k}_conv1", _conv(c_in, 3, f"d_res{k}_conv1", _he(c_in, c_in, 3), False))
            setattr(self, f"d_res{k}_norm2", ChannelLayerNorm(name=f"d_res{k}_norm2"))
            setattr(self, f"d_res{k}_conv2", _conv(c_out, 3, f"d_res{k}_conv2", _he(c_in, c_out, 3)))
        self.wasserstein_output = layers.Dense(1, kernel_initializer="glorot_uniform", name="d_wasserstein")
        self.class_output = layers.Dense(num_classes, kernel_initializer="glorot_uniform", name="d_class")
        self(ops.zeros((1, 64, 64, channels)))

    def call(self, images, training=False):
        x = self.d_input(images)
        for k in range(1, len(self.WIDTHS)):
            block = lambda name: getattr(self, f"d_res{k}_{name}")  # noqa: E731
            shortcut = block("shortcut")(mean_pool2(x))
            y = block("conv1")(ops.relu(block("norm1")(x)))
            y = mean_pool2(block("conv2")(ops.relu(block("norm2")(y))))
            x = shortcut + y
        features = ops.reshape(x, (ops.shape(images)[0], 4 * 4 * 8 * self.dim))
        return (ops.cast(ops.squeeze(self.wasserstein_output(features), -1), "float32"),
                ops.cast(self.class_output(features), "float32"))  # float32 under mixed precision

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes, channels=self.channels, dim=self.dim)


def make_networks(num_classes: int, image_shape, z_dim: int, dim: int):
    """(G, D) for ``image_shape`` images: the 32x32 DCGAN pair (28x28 padded) or the 64x64 ResNets (LSUN).

    Raises:
      InputError: for an image shape without networks (one line).
    """
    channels = image_shape[-1]
    if network_side("mergan", image_shape, SIDES) == 64:
        return (MeRGANResNetGenerator(num_classes, channels, z_dim, dim),
                MeRGANResNetCritic(num_classes, channels, dim))
    return MeRGANGenerator(num_classes, channels, z_dim, dim), MeRGANCritic(num_classes, channels, dim)
