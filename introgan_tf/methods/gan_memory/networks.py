"""GAN Memory's networks: the GAN_stability ResNet G and D at 32x32 (or 64x64), and the lifelong classifier.

Cong et al., *GAN Memory with No Forgetting*, NeurIPS 2020, on Mescheder et al.'s GAN_stability ResNet
(docs/methods.md#gan_memory).  No normalisation layer anywhere: a sample must not depend on its batch, or the
"identical samples" guarantee of the memory would be lost.

* Block(fin -> fout): out = shortcut(x) + 0.1 * conv_1(lrelu(conv_0(lrelu(x)))), 3x3 convs with bias,
  LeakyReLU 0.2, hidden width min(fin, fout); the shortcut is the identity, or a 1x1 conv without bias when
  fin != fout.
* G (32x32): z [128] -> FC -> 4x4x8nf; blocks 8nf->8nf (4x4), x2 nearest, 8nf->4nf (8x8), x2, 4nf->2nf
  (16x16), x2, 2nf->nf (32x32); LeakyReLU, 3x3 conv_img -> C, tanh.  64x64: FC -> 4x4x16nf and one more block.
* D mirrors G: 3x3 conv_img (C -> nf); blocks nf->2nf (32), 2nf->4nf (16), 4nf->8nf (8), 8nf->8nf (4), with
  AveragePooling(3, strides 2, 'same') between blocks; flatten, LeakyReLU, Dense -> n_out logits, the logit of y
  selected (n_out = 1 for the source).

Every 3x3 conv of the blocks (G and D) and G's FC are :class:`ModulatedConv2D` / :class:`ModulatedDense`: called
with a task's styles they compute the AdaFM-modulated layer (modulation.py), without them the plain source layer.
"""

import math

import keras
from keras import layers, ops

from introgan_tf.layers.conv_trunk import add_trunk_convs, trunk_convs, trunk_features
from introgan_tf.methods.gan_memory.modulation import ModulatedConv2D, ModulatedDense

Z_DIM = 128
RESIDUAL_SCALE = 0.1
SLOPE = 0.2
SIZES = (32, 64)


def block_widths(image_size: int, width: int) -> list:
    """[(fin, fout)] of G's blocks: 8nf->8nf, 8nf->4nf, 4nf->2nf, 2nf->nf at 32x32 (one more level at 64)."""
    if image_size not in SIZES:
        raise ValueError(f"image size {image_size}: expected one of {SIZES}")
    levels = int(math.log2(image_size // 4))
    mults = [2 ** levels] + [2 ** (levels - k) for k in range(levels + 1)]
    return [(mults[i] * width, mults[i + 1] * width) for i in range(levels + 1)]


def lrelu(x):
    return ops.leaky_relu(x, SLOPE)


def add_block(owner, prefix: str, fin: int, fout: int) -> None:
    """The layers of one residual block as ``owner.<prefix>_conv0 / _conv1 / _shortcut`` (attributes)."""
    hidden = min(fin, fout)
    setattr(owner, f"{prefix}_conv0", ModulatedConv2D(hidden, 3, name=f"{prefix}_conv0"))
    setattr(owner, f"{prefix}_conv1", ModulatedConv2D(fout, 3, name=f"{prefix}_conv1"))
    if fin != fout:
        setattr(owner, f"{prefix}_shortcut", layers.Conv2D(fout, 1, use_bias=False, name=f"{prefix}_shortcut"))


def run_block(owner, prefix: str, x, styles):
    """shortcut(x) + 0.1 conv_1(lrelu(conv_0(lrelu(x)))); ``styles`` None: the plain source block."""
    style = (lambda name: None) if styles is None else (lambda name: styles[f"{prefix}_{name}"])
    residual = getattr(owner, f"{prefix}_conv0")(lrelu(x), style=style("conv0"))
    residual = getattr(owner, f"{prefix}_conv1")(lrelu(residual), style=style("conv1"))
    shortcut = getattr(owner, f"{prefix}_shortcut", None)
    return (x if shortcut is None else shortcut(x)) + RESIDUAL_SCALE * residual


def upsample(x):
    return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)  # nearest neighbour x2


@keras.saving.register_keras_serializable(package="introgan_tf")
class ResNetGenerator(keras.Model):
    """G(z, styles=None) -> images [N, S, S, C] in [-1, 1].

    Args:
      width: nf (16 for CPU tests, 64 at full scale).
      channels: C of the images.
      image_size: 32 or 64.
    """

    z_dim = Z_DIM

    def __init__(self, width: int = 64, channels: int = 1, image_size: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.width, self.channels, self.image_size = int(width), int(channels), int(image_size)
        self.blocks = block_widths(self.image_size, self.width)
        self.top = self.blocks[0][0]
        self.fc = ModulatedDense(16 * self.top, name="fc")
        for k, (fin, fout) in enumerate(self.blocks):
            add_block(self, f"block{k}", fin, fout)
        self.conv_img = layers.Conv2D(self.channels, 3, padding="same", name="conv_img")
        self(ops.zeros((1, Z_DIM)))

    def modulated_layers(self) -> list:
        """[(name, layer)] of the AdaFM-modulated layers: the FC and every block conv."""
        named = [("fc", self.fc)]
        for k in range(len(self.blocks)):
            named += [(f"block{k}_{c}", getattr(self, f"block{k}_{c}")) for c in ("conv0", "conv1")]
        return named

    def call(self, z, styles=None):
        x = self.fc(z, style=None if styles is None else styles["fc"])
        x = ops.reshape(x, (-1, 4, 4, self.top))
        for k in range(len(self.blocks)):
            if k > 0:
                x = upsample(x)
            x = run_block(self, f"block{k}", x, styles)
        return ops.tanh(self.conv_img(lrelu(x)))

    def get_config(self):
        config = super().get_config()
        config.update(width=self.width, channels=self.channels, image_size=self.image_size)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class ResNetDiscriminator(keras.Model):
    """D(x, labels=None, styles=None, head=None) -> the logit of each image's label [N] (label 0 when n_out 1).

    ``features(x, styles)`` is the trunk (flattened, LeakyReLU); a task memory puts its own head on it.

    Args:
      width: nf.
      channels: C of the images.
      image_size: 32 or 64.
      n_out: logits of the source head (1 for the unconditional source).
    """

    def __init__(self, width: int = 64, channels: int = 1, image_size: int = 32, n_out: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.width, self.channels, self.image_size, self.n_out = int(width), int(channels), int(image_size), int(n_out)
        self.blocks = [(fout, fin) for fin, fout in reversed(block_widths(self.image_size, self.width))]
        self.conv_img = layers.Conv2D(self.width, 3, padding="same", name="conv_img")
        for k, (fin, fout) in enumerate(self.blocks):
            add_block(self, f"block{k}", fin, fout)
        self.fc = layers.Dense(self.n_out, name="fc")
        self(ops.zeros((1, self.image_size, self.image_size, self.channels)))

    @property
    def feature_dim(self) -> int:
        return 16 * self.blocks[-1][1]

    def modulated_layers(self) -> list:
        return [(f"block{k}_{c}", getattr(self, f"block{k}_{c}")) for k in range(len(self.blocks))
                for c in ("conv0", "conv1")]

    def features(self, images, styles=None):
        x = self.conv_img(images)
        for k in range(len(self.blocks)):
            if k > 0:
                x = ops.average_pool(x, 3, strides=2, padding="same")
            x = run_block(self, f"block{k}", x, styles)
        return lrelu(ops.reshape(x, (-1, self.feature_dim)))

    def call(self, images, labels=None, styles=None, head=None):
        logits = (head or self.fc)(self.features(images, styles))
        if labels is None:
            return logits[:, 0]
        return ops.take_along_axis(logits, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=1)[:, 0]

    def get_config(self):
        config = super().get_config()
        config.update(width=self.width, channels=self.channels, image_size=self.image_size, n_out=self.n_out)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class MemoryClassifier(keras.Model):
    """The lifelong classifier trained by pseudo-rehearsal: the project's conv trunk -> Dense(num_classes).

    A single head over every class of the dataset from the start (the original's ``Linear(512, 36)``); the
    classes not seen yet are sliced off at inference.  Trained from scratch (the original's ImageNet ResNet-18
    has no offline counterpart).
    """

    def __init__(self, num_classes: int, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.image_shape = tuple(image_shape)
        add_trunk_convs(self, self.image_shape[-1], "c")
        self.class_output = layers.Dense(self.num_classes, name="c_class_output")
        self(ops.zeros((1,) + self.image_shape))

    def call(self, images, training=False):
        return self.class_output(trunk_features(trunk_convs(self, "c"), images))

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, image_shape=self.image_shape)
        return config
