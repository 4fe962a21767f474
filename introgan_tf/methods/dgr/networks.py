"""The scholar of DGR's reference protocol: WGAN-GP generator + critic, CNN solver (docs/methods.md#dgr).

Shin et al., *Continual Learning with Deep Generative Replay*, NIPS 2017, as the
unofficial ``kuc2477/pytorch-deep-generative-replay`` builds it.  All three
networks work on images in [0, 1] at 32x32 (MNIST padded by 2, value 0);
:func:`to_scholar_space` / :func:`from_scholar_space` convert from / to the
pipeline's [-1, 1] images of the dataset's size.

* Generator: z ~ N(0, I) of size 100 (``--z_dim``, the original's
  ``--generator-z-size``), scaled by 0.1 inside (the original's ``randn * .1``)
  -> Dense(4*4*8w) -> BN -> ReLU -> 3 x [ConvT 4x4 s2 p1 -> BN -> ReLU]
  (8w -> 4w -> 2w -> w) -> ConvT(w -> C, 3x3 s1 p1) -> sigmoid, with w = 64
  (``--dim``, the original's ``--generator-g-channel-size``): 512-256-128-64.
* Critic: 4 x [Conv 4x4 p1 -> LeakyReLU(0.01)] with strides 2, 2, 2, 1 and
  channels w-2w-4w-8w, w = 64 (``--dim``, the original's
  ``--generator-c-channel-size``, which defaults to the same 64 as the
  generator's): 64-128-256-512 (32 -> 16 -> 8 -> 4 -> 3), flattened PER SAMPLE
  (3*3*512 = 4608) -> Dense(1).  The original's flatten assumed 4096 values
  and so regrouped values across samples; not reproduced.
* Solver: Conv(C -> 128, 3x3 s1 p1), no BN/activation, then 3 x [Conv 3x3 s2
  p1 -> BN -> ReLU] (128 -> 256 -> 512 -> 1024; 32 -> 16 -> 8 -> 4), flatten
  4*4*1024 -> Dense(num_classes): one head over every class from the start.

Initialisation: generator and critic kernels N(0, 0.02), biases 0 (the
original's init routine matches layers named conv/fc/deconv); the solver keeps
PyTorch's default, U(+-1/sqrt(fan_in)) for kernels and biases, because that
routine does not reach its layers.  BatchNorm has PyTorch's momentum (0.1,
Keras 0.9) and epsilon (1e-5), gamma 1 and beta 0 (PyTorch 0.2 drew gamma from
U(0, 1); current PyTorch uses 1).  Paddings are explicit where TF's "same" would
place them differently from PyTorch's symmetric ``padding=1``.
"""

import math

import keras
from keras import layers, ops

from introgan_tf.layers import numbered_layers, resolution, synchronized_batch_norm

Z_DIM = 100            # --generator-z-size
NOISE_SCALE = 0.1      # z = 0.1 * N(0, I) (the original's ``_noise``)
IMAGE_SIZE = resolution.SIZE  # every scholar network works at 32x32
GENERATOR_CHANNELS = 64  # --generator-g-channel-size
CRITIC_CHANNELS = 64     # --generator-c-channel-size
SOLVER_CHANNELS = 1024  # --solver-channel-size; depth 5 and 3 reducing layers give 128-256-512-1024
LEAKY_SLOPE = 0.01     # F.leaky_relu's default


def to_scholar_space(images):
    """[-1, 1] images [N, H, W, C] -> [0, 1] at 32x32, padded with 0 (i.e. -1) around."""
    return (resolution.pad_to_32(images) + 1.0) / 2.0


def from_scholar_space(images, image_shape):
    """[0, 1] images at 32x32 -> [-1, 1] cropped to the dataset's (H, W)."""
    return resolution.crop_to(images, image_shape) * 2.0 - 1.0


def _gaussian():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _torch_default(fan_in: int):
    """PyTorch's default Conv/Linear init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for kernels and biases."""
    limit = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-limit, limit)


def _batch_norm(name: str):
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name, synchronized=synchronized_batch_norm())


@keras.saving.register_keras_serializable(package="introgan_tf")
class DGRGenerator(keras.Model):
    """Unconditional generator: z [N, z_dim] ~ N(0, I) -> images [N, 32, 32, C] in [0, 1]; ``dim``: its width w."""

    def __init__(self, channels: int = 1, z_dim: int = Z_DIM, dim: int = GENERATOR_CHANNELS, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.z_dim = z_dim
        self.dim = dim
        width = dim
        self.fc = layers.Dense(4 * 4 * width * 8, kernel_initializer=_gaussian(), name="g_fc")
        self.bn0 = _batch_norm("g_bn0")
        for i, multiple in enumerate((4, 2, 1), start=1):  # attributes, not a list: see numbered_layers
            setattr(self, f"deconv{i}", layers.Conv2DTranspose(width * multiple, 4, strides=2, padding="same",
                                                               kernel_initializer=_gaussian(), name=f"g_deconv{i}"))
            setattr(self, f"bn{i}", _batch_norm(f"g_bn{i}"))
        self.output_deconv = layers.Conv2DTranspose(channels, 3, strides=1, padding="same",
                                                    kernel_initializer=_gaussian(), name="g_deconv4")
        self(ops.zeros((1, z_dim)))

    def call(self, z, training=False):
        x = self.fc(NOISE_SCALE * z)
        x = ops.relu(self.bn0(ops.reshape(x, (-1, 4, 4, self.dim * 8)), training=training))
        for deconv, bn in zip(numbered_layers(self, "deconv", 3), numbered_layers(self, "bn", 3)):
            x = ops.relu(bn(deconv(x), training=training))
        return ops.sigmoid(ops.cast(self.output_deconv(x), "float32"))  # float32 images under mixed precision

    def get_config(self):
        return dict(super().get_config(), channels=self.channels, z_dim=self.z_dim, dim=self.dim)


@keras.saving.register_keras_serializable(package="introgan_tf")
class DGRCritic(keras.Model):
    """WGAN critic: images [N, 32, 32, C] in [0, 1] -> scores [N, 1]; each row depends on its own sample only.
    ``dim``: its first conv's width."""

    def __init__(self, channels: int = 1, dim: int = CRITIC_CHANNELS, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.dim = dim
        widths, strides = (1, 2, 4, 8), (2, 2, 2, 1)
        self.pad = layers.ZeroPadding2D(1)
        for i, (multiple, stride) in enumerate(zip(widths, strides), start=1):
            setattr(self, f"conv{i}", layers.Conv2D(dim * multiple, 4, strides=stride, padding="valid",
                                                    kernel_initializer=_gaussian(), name=f"c_conv{i}"))
        self.fc = layers.Dense(1, kernel_initializer=_gaussian(), name="c_fc")
        self(ops.zeros((1, IMAGE_SIZE, IMAGE_SIZE, channels)))

    def call(self, images, training=False):
        x = images
        for conv in numbered_layers(self, "conv", 4):
            x = conv(self.pad(x))
            # max(x, 0.01 x) is LeakyReLU(0.01); TF's fused LeakyRelu breaks grappler's remapper under the GP's
            # double backprop ("remapper failed" on every run), this form does not.
            x = ops.maximum(x, LEAKY_SLOPE * x)
        # Per sample: [N, 3, 3, 512] -> [N, 4608].  The original's view(-1, 4096) mixed samples.
        return ops.cast(self.fc(ops.reshape(x, (ops.shape(x)[0], -1))), "float32")  # float32 scores

    def get_config(self):
        return dict(super().get_config(), channels=self.channels, dim=self.dim)


@keras.saving.register_keras_serializable(package="introgan_tf")
class DGRSolver(keras.Model):
    """CNN classifier: images [N, 32, 32, C] in [0, 1] -> logits [N, num_classes]."""

    def __init__(self, num_classes: int, channels: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.channels = channels
        width = SOLVER_CHANNELS // 8
        self.input_conv = layers.Conv2D(width, 3, padding="same", kernel_initializer=_torch_default(channels * 9),
                                        bias_initializer=_torch_default(channels * 9), name="s_conv0")
        self.pad = layers.ZeroPadding2D(1)
        for i in range(1, 4):
            fan_in = width * 9
            width *= 2
            setattr(self, f"conv{i}", layers.Conv2D(width, 3, strides=2, padding="valid",
                                                    kernel_initializer=_torch_default(fan_in),
                                                    bias_initializer=_torch_default(fan_in), name=f"s_conv{i}"))
            setattr(self, f"bn{i}", _batch_norm(f"s_bn{i}"))
        fan_in = (IMAGE_SIZE // 8) ** 2 * width
        self.fc = layers.Dense(num_classes, kernel_initializer=_torch_default(fan_in),
                               bias_initializer=_torch_default(fan_in), name="s_fc")
        self(ops.zeros((1, IMAGE_SIZE, IMAGE_SIZE, channels)))

    def call(self, images, training=False):
        x = self.input_conv(images)
        for conv, bn in zip(numbered_layers(self, "conv", 3), numbered_layers(self, "bn", 3)):
            x = ops.relu(bn(conv(self.pad(x)), training=training))
        return ops.cast(self.fc(ops.reshape(x, (ops.shape(x)[0], -1))), "float32")  # float32 logits

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes, channels=self.channels)
