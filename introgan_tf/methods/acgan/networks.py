"""AC-GAN's CIFAR-10 32x32 networks (Odena et al., ICML 2017; docs/methods.md#acgan).

G(z, y): the one-hot label overwrites the first ``num_classes`` entries of z
(nz = 110, the original's conditioning: label and noise share one vector, there
is no separate class input) -> Dense(110 -> 384), no activation -> 1x1x384
-> ConvT(192, 4, s1, valid) 4x4 -> ConvT 4/s2 'same' 96, 48 (8x8, 16x16), each
BN + ReLU -> ConvT(C, 4, s2, 'same') 32x32 + tanh.  The ConvTs have no bias.

D(x): six 3x3 convs without bias, 16-32-64-128-256-512, strides 2,1,2,1,2,1,
padding 1; each followed by LeakyReLU(0.2) and Dropout(0.5), BN on all but the
first -> flatten 4x4x512 -> Dense(1) source logit and Dense(num_classes) class
logits (the original's sigmoid / softmax are folded into the losses).

Init: conv / ConvT kernels N(0, 0.02), BN gamma N(1, 0.02), beta 0; Dense layers
keep Keras's default.  BN uses PyTorch's momentum (0.1, i.e. Keras 0.9) and eps.

MNIST / Fashion-MNIST (28x28) are padded to 32x32 with -1, the background
(``pad_to_32``), before D; G always draws 32x32 and ``crop_to`` cuts samples back.
"""

import keras
from keras import layers, ops

from introgan_tf.layers import synchronized_batch_norm
from introgan_tf.layers.resolution import SIZE

NZ = 110  # the original's --nz
D_CHANNELS = (16, 32, 64, 128, 256, 512)
D_STRIDES = (2, 1, 2, 1, 2, 1)
BN_ARGS = dict(momentum=0.9, epsilon=1e-5)  # PyTorch BatchNorm2d defaults (momentum 0.1 there)


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
    """32x32 class-conditional generator; call with ``(z [N, 110], labels [N])``.

    Args:
      num_classes: the label space (fixed for the whole run; at most NZ).
      channels: output channels (1 for MNIST / Fashion-MNIST).
    """

    z_dim = NZ

    def __init__(self, num_classes: int, channels: int = 1, **kwargs):
        super().__init__(**kwargs)
        if num_classes > NZ:
            raise ValueError(f"{num_classes} classes do not fit into the {NZ} noise entries")
        self.num_classes = num_classes
        self.channels = channels
        self.g_input = layers.Dense(384, name="g_input")
        widths = (192, 96, 48, channels)
        # One attribute per layer: Keras 3 layers held in a Python list are invisible to tf.train.Checkpoint,
        # which would silently drop BN's moving statistics (a registry-wide test checks every weight).
        for k, width in enumerate(widths):
            setattr(self, f"g_deconv{k + 1}", layers.Conv2DTranspose(
                width, 4, strides=1 if k == 0 else 2, padding="valid" if k == 0 else "same", use_bias=False,
                kernel_initializer=_conv_init(), name=f"g_deconv{k + 1}"))
        for k in range(3):
            setattr(self, f"g_bn{k + 1}", _batch_norm(f"g_bn{k + 1}"))
        self((ops.zeros((1, NZ)), ops.zeros((1,), "int32")))

    def call(self, inputs, training=False):
        z, labels = inputs
        x = self.g_input(condition_noise(z, labels, self.num_classes))
        x = ops.reshape(x, (-1, 1, 1, 384))
        for k in range(1, 4):
            x = ops.relu(getattr(self, f"g_bn{k}")(getattr(self, f"g_deconv{k}")(x), training=training))
        return ops.tanh(ops.cast(self.g_deconv4(x), "float32"))  # float32 images under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class ACGANDiscriminator(keras.Model):
    """Returns ``(source logit [N], class logits [N, num_classes])`` for 32x32 images in [-1, 1].

    Args:
      num_classes: the label space (fixed for the whole run).
      channels: input channels.
    """

    def __init__(self, num_classes: int, channels: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.channels = channels
        # One attribute per layer (not lists), so that tf.train.Checkpoint sees BN's moving statistics.
        for k, (width, stride) in enumerate(zip(D_CHANNELS, D_STRIDES), start=1):
            setattr(self, f"d_conv{k}", layers.Conv2D(width, 3, strides=stride, padding="valid", use_bias=False,
                                                      kernel_initializer=_conv_init(), name=f"d_conv{k}"))
            if k > 1:  # no BN after the first conv
                setattr(self, f"d_bn{k}", _batch_norm(f"d_bn{k}"))
            setattr(self, f"d_dropout{k}", layers.Dropout(0.5, name=f"d_dropout{k}"))
        self.source_output = layers.Dense(1, name="d_source_output")
        self.class_output = layers.Dense(num_classes, name="d_class_output")
        self(ops.zeros((1, SIZE, SIZE, channels)))

    def call(self, images, training=False):
        x = images
        for k in range(1, len(D_CHANNELS) + 1):
            # Zero padding 1 + 'valid' as the original: Keras's 'same' pads stride-2 convs on one side only.
            x = getattr(self, f"d_conv{k}")(ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]))
            if k > 1:
                x = getattr(self, f"d_bn{k}")(x, training=training)
            x = getattr(self, f"d_dropout{k}")(ops.leaky_relu(x, 0.2), training=training)
        features = ops.reshape(x, (-1, 4 * 4 * D_CHANNELS[-1]))
        return (ops.cast(ops.squeeze(self.source_output(features), -1), "float32"),
                ops.cast(self.class_output(features), "float32"))  # float32 under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels)
        return config
