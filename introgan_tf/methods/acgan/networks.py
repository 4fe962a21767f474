"""AC-GAN's networks as the original defines them (Odena et al., ICML 2017; clvrai/ACGAN-PyTorch ``network.py``;
docs/methods.md#acgan): the CIFAR-10 32x32 pair and the ImageNet-folder 128x128 pair.

Conditioning: the one-hot label overwrites the first ``num_classes`` entries of z (nz = 110, the original's
``--nz``; label and noise share one vector, there is no separate class input).  Widths are the original's
fixed ones at ``dim`` = 16 (the channels of D's first conv); ``--dim`` scales every layer of G and D by
dim / 16 (the original declares ``--ngf`` / ``--ndf`` but never uses them).

CIFAR-10, 32x32 (``netG`` / ``netD`` of the ``cifar10`` branch):

* G: Dense(110 -> 384), no activation -> 1x1x384 -> ConvT(192, 4, s1, valid) 4x4 -> ConvT 4/s2 'same' 96, 48
  (8x8, 16x16), each BN + ReLU -> ConvT(C, 4, s2, 'same') 32x32 + tanh.
* D: six 3x3 convs, 16-32-64-128-256-512, strides 2,1,2,1,2,1, all padding 1 (32 -> 16 -> 16 -> 8 -> 8 -> 4
  -> 4) -> flatten 4x4x512.

ImageNet folders, 128x128 (the ``imagenet`` branch, ``--imageSize 128``):

* G: Dense(110 -> 768) -> 1x1x768 -> ConvT 5x5 stride 2 padding 0: 384 (5x5), 256 (13x13), 192 (29x29),
  64 (61x61), each BN + ReLU -> ConvT(C, 8x8, s2, p0) 128x128 + tanh.
* D: the same six convs, but the stride-1 ones have padding 0 (128 -> 64 -> 62 -> 31 -> 29 -> 15 -> 13) ->
  flatten 13x13x512.

In both, every ConvT and conv has no bias; each conv is followed by LeakyReLU(0.2) and Dropout(0.5), BN on all
but the first; then Dense(1) source logit and Dense(num_classes) class logits (the original's sigmoid / softmax
are folded into the losses).

Init: conv / ConvT kernels N(0, 0.02), BN gamma N(1, 0.02), beta 0; Dense layers keep Keras's default.  BN uses
PyTorch's momentum (0.1, i.e. Keras 0.9) and eps.

MNIST / Fashion-MNIST (28x28) are padded to 32x32 with -1, the background (``pad_to_32``), before D; G draws
32x32 and ``crop_to`` cuts samples back.  Which pair a dataset gets: ``options.network_size``.
"""

import keras
from keras import layers, ops

from introgan_tf.layers import synchronized_batch_norm
from introgan_tf.methods.acgan.options import network_size  # noqa: F401  (which pair a shape gets)

NZ = 110  # the original's --nz
DIM = 16  # the channels of D's first conv; every width below is a multiple of it
D_CHANNELS = (1, 2, 4, 8, 16, 32)  # x dim: 16-32-64-128-256-512
D_STRIDES = (2, 1, 2, 1, 2, 1)
BN_ARGS = dict(momentum=0.9, epsilon=1e-5)  # PyTorch BatchNorm2d defaults (momentum 0.1 there)

# Per network side: G's Dense width and ConvT (width, kernel, stride, padding) layers (x dim; the last one
# outputs the image channels), D's padding of its stride-1 convs, and D's last feature map side.
ARCHITECTURES = {
    32: dict(g_input=24, g_layers=((12, 4, 1, "valid"), (6, 4, 2, "same"), (3, 4, 2, "same"), (None, 4, 2, "same")),
             d_stride1_padding=1, d_side=4),
    128: dict(g_input=48, g_layers=((24, 5, 2, "valid"), (16, 5, 2, "valid"), (12, 5, 2, "valid"), (4, 5, 2, "valid"),
                                    (None, 8, 2, "valid")),
              d_stride1_padding=0, d_side=13),
}


def _conv_init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _batch_norm(name):
    return layers.BatchNormalization(gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02),
                                     beta_initializer="zeros", name=name, synchronized=synchronized_batch_norm(),
                                     **BN_ARGS)


def condition_noise(z, labels, num_classes: int):
    """z with its first ``num_classes`` entries replaced by onehot(labels) (the original's conditioning)."""
    onehot = ops.cast(ops.one_hot(ops.cast(labels, "int32"), num_classes), z.dtype)
    return ops.concatenate([onehot, z[:, num_classes:]], axis=-1)


@keras.saving.register_keras_serializable(package="introgan_tf")
class ACGANGenerator(keras.Model):
    """Class-conditional generator; call with ``(z [N, z_dim], labels [N])`` -> [N, size, size, channels].

    Args:
      num_classes: the label space (fixed for the whole run; at most z_dim).
      channels: output channels (1 for MNIST / Fashion-MNIST).
      size: 32 (CIFAR-10 networks) or 128 (ImageNet-folder networks).
      z_dim: nz, the noise size (110).
      dim: width unit (16: the original's widths).
    """

    def __init__(self, num_classes: int, channels: int = 1, size: int = 32, z_dim: int = NZ, dim: int = DIM,
                 **kwargs):
        super().__init__(**kwargs)
        if num_classes > z_dim:
            raise ValueError(f"{num_classes} classes do not fit into the {z_dim} noise entries")
        if size not in ARCHITECTURES:
            raise ValueError(f"size {size}: expected one of {sorted(ARCHITECTURES)}")
        self.num_classes, self.channels, self.size, self.z_dim, self.dim = num_classes, channels, size, z_dim, dim
        architecture = ARCHITECTURES[size]
        self.input_width = architecture["g_input"] * dim
        self.num_deconvs = len(architecture["g_layers"])
        self.g_input = layers.Dense(self.input_width, name="g_input")
        # One attribute per layer: Keras 3 layers held in a Python list are invisible to tf.train.Checkpoint,
        # which would silently drop BN's moving statistics (a registry-wide test checks every weight).
        for k, (multiple, kernel, stride, padding) in enumerate(architecture["g_layers"], start=1):
            width = channels if multiple is None else multiple * dim
            setattr(self, f"g_deconv{k}", layers.Conv2DTranspose(
                width, kernel, strides=stride, padding=padding, use_bias=False, kernel_initializer=_conv_init(),
                name=f"g_deconv{k}"))
        for k in range(1, self.num_deconvs):
            setattr(self, f"g_bn{k}", _batch_norm(f"g_bn{k}"))
        self((ops.zeros((1, z_dim)), ops.zeros((1,), "int32")))

    def call(self, inputs, training=False):
        z, labels = inputs
        x = self.g_input(condition_noise(z, labels, self.num_classes))
        x = ops.reshape(x, (-1, 1, 1, self.input_width))
        for k in range(1, self.num_deconvs):
            x = ops.relu(getattr(self, f"g_bn{k}")(getattr(self, f"g_deconv{k}")(x), training=training))
        last = getattr(self, f"g_deconv{self.num_deconvs}")
        return ops.tanh(ops.cast(last(x), "float32"))  # float32 images under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels, size=self.size, z_dim=self.z_dim,
                      dim=self.dim)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class ACGANDiscriminator(keras.Model):
    """Returns ``(source logit [N], class logits [N, num_classes])`` for [N, size, size, channels] in [-1, 1].

    Args:
      num_classes: the label space (fixed for the whole run).
      channels: input channels.
      size: 32 (CIFAR-10 networks) or 128 (ImageNet-folder networks).
      dim: width unit (16: the original's widths).
    """

    def __init__(self, num_classes: int, channels: int = 1, size: int = 32, dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        if size not in ARCHITECTURES:
            raise ValueError(f"size {size}: expected one of {sorted(ARCHITECTURES)}")
        self.num_classes, self.channels, self.size, self.dim = num_classes, channels, size, dim
        architecture = ARCHITECTURES[size]
        self.paddings = tuple(1 if stride == 2 else architecture["d_stride1_padding"] for stride in D_STRIDES)
        self.num_features = architecture["d_side"] ** 2 * D_CHANNELS[-1] * dim
        # One attribute per layer (not lists), so that tf.train.Checkpoint sees BN's moving statistics.
        for k, (multiple, stride) in enumerate(zip(D_CHANNELS, D_STRIDES), start=1):
            setattr(self, f"d_conv{k}", layers.Conv2D(multiple * dim, 3, strides=stride, padding="valid",
                                                      use_bias=False, kernel_initializer=_conv_init(),
                                                      name=f"d_conv{k}"))
            if k > 1:  # no BN after the first conv
                setattr(self, f"d_bn{k}", _batch_norm(f"d_bn{k}"))
            setattr(self, f"d_dropout{k}", layers.Dropout(0.5, name=f"d_dropout{k}"))
        self.source_output = layers.Dense(1, name="d_source_output")
        self.class_output = layers.Dense(num_classes, name="d_class_output")
        self(ops.zeros((1, size, size, channels)))

    def call(self, images, training=False):
        x = images
        for k, padding in enumerate(self.paddings, start=1):
            # Explicit zero padding + 'valid' as the original: Keras's 'same' pads stride-2 convs on one side only.
            if padding:
                x = ops.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
            x = getattr(self, f"d_conv{k}")(x)
            if k > 1:
                x = getattr(self, f"d_bn{k}")(x, training=training)
            x = getattr(self, f"d_dropout{k}")(ops.leaky_relu(x, 0.2), training=training)
        features = ops.reshape(x, (-1, self.num_features))
        return (ops.cast(ops.squeeze(self.source_output(features), -1), "float32"),
                ops.cast(self.class_output(features), "float32"))  # float32 under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels, size=self.size, dim=self.dim)
        return config
