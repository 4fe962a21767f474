"""IntroGAN's networks (He et al., *Introspective GAN*, Pattern Recognition 2024; docs/methods.md#introgan).

28x28 (MNIST, Fashion-MNIST), no normalisation layers:

* G(z, y): Dense(z ++ onehot(y) -> 4096) + ReLU -> 4x4x256 -> ConvT 5x5/2 (128) + ReLU -> crop 8x8 to 7x7 ->
  ConvT 5x5/2 (64) + ReLU -> ConvT 5x5/2 (1) + tanh, z in R^100.  The input Dense (``g_input``) is the only
  tensor that grows with the classes: row 100+k of its kernel conditions on class k (growth.py).

32x32 (SVHN), ``dim`` = 64:

* G(z, y): z in R^128 -> Dense(4096), no activation -> 4x4x256 -> CondBN_1(y) + ReLU -> ConvT 5x5/2 (128) ->
  CondBN_2(y) + ReLU -> ConvT (64) -> CondBN_3(y) + ReLU -> ConvT (3) + tanh.  The label is not concatenated to
  z: it enters only through conditional batch norm on the current batch's statistics (always, also when
  sampling; layers/conditional_batch_norm.py), whose six gamma/beta tables [C, ch] are what grows.

Both sizes:

* D(x): Conv 5x5/2 (dim) + LReLU(0.2) -> Conv 5x5/2 (2 dim) + LReLU -> Conv 5x5/2 (4 dim) -> flatten = embedding
  E(x) (4x4x4 dim = 4096-d, taken before the activation) -> LReLU -> Dense(1) = real/fake logit s(x).  There is
  no class head: classification is by prototypes (prototype_head.py).  No batch-dependent layers, so real images
  and prototypes can share one forward pass.
* ``dim`` scales every width (64 in the original; the 28x28 networks are the dim = 64 ones).

Initialisation: the original's stride-adjusted uniform convolutions (layers/initializers.py), Glorot uniform
dense layers, gamma 1 and beta 0.  :func:`make_generator` / :func:`make_discriminator` choose the networks from
the dataset's image shape.
"""

import keras
from keras import layers, ops

from introgan_tf.layers import dcgan
from introgan_tf.layers.initializers import stride_adjusted_uniform
from introgan_tf.layers.resolution import network_side

Z_DIM = 100       # 28x28
Z_DIM_32 = 128    # 32x32 (the SVHN script)
DIM = 64
SIDES = {28: 28, 32: 32}  # the image sides with networks (exact: no padding)


@keras.saving.register_keras_serializable(package="introgan_tf")
class ConditionalGenerator(keras.Model):
    """Class-conditional 28x28 generator; call with ``(z, labels)``.

    Args:
      num_classes: number of classes C the one-hot label covers.
      z_dim: noise dimension (100 in the original).
      channels: output channels (1 for MNIST / Fashion-MNIST).
      dim: width (64 in the original: Dense 4096, ConvT 128, 64).
    """

    def __init__(self, num_classes: int, z_dim: int = Z_DIM, channels: int = 1, dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.z_dim = z_dim
        self.channels = channels
        self.dim = dim
        self.g_input = layers.Dense(64 * dim, kernel_initializer="glorot_uniform", name="g_input")
        dcgan.add_upsampling(self, channels, dim)
        self.build_for_classes()

    def build_for_classes(self):
        """Creates every variable by running a dummy batch."""
        self((ops.zeros((1, self.z_dim)), ops.zeros((1,), "int32")))

    def call(self, inputs, training=False):
        z, labels = inputs
        onehot = ops.one_hot(ops.cast(labels, "int32"), self.num_classes)
        return dcgan.upsample(self, self.g_input(ops.concatenate([z, ops.cast(onehot, z.dtype)], axis=-1)))

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, z_dim=self.z_dim, channels=self.channels, dim=self.dim)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class ConditionalBNGenerator(keras.Model):
    """Class-conditional 32x32 generator (conditional batch norm); call with ``(z, labels)``.

    A generated image depends on the rest of its batch (batch statistics), so callers generate in defined
    batches (replay: ``batch_size`` images along the class-sorted label sequence).

    Args:
      num_classes: rows C of the six CondBN tables.
      z_dim: noise dimension (128 in the original).
      channels: output channels (3 for SVHN).
      dim: width (64 in the original).
    """

    batch_dependent = True

    def __init__(self, num_classes: int, z_dim: int = Z_DIM_32, channels: int = 3, dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.z_dim = z_dim
        self.channels = channels
        self.dim = dim
        self.g_input = layers.Dense(64 * dim, kernel_initializer="glorot_uniform", name="g_input")
        dcgan.add_bn_upsampling(self, channels, num_classes, dim)
        self((ops.zeros((2, z_dim)), ops.zeros((2,), "int32")))  # creates every variable

    def call(self, inputs, training=False):
        z, labels = inputs
        return dcgan.bn_upsample(self, self.g_input(z), labels)

    def class_tables(self) -> list:
        """The six growing tensors [gamma_1, beta_1, .., beta_3], each [num_classes, channels]."""
        return dcgan.batch_norm_tables(self)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, z_dim=self.z_dim, channels=self.channels, dim=self.dim)
        return config


@keras.saving.register_keras_serializable(package="introgan_tf")
class EmbeddingDiscriminator(keras.Model):
    """Returns ``(logit [N], embedding [N, 64 dim])`` for images in [-1, 1].

    Args:
      image_shape: (H, W, C) of the input.
      dim: width (64: convs 64, 128, 256).
    """

    def __init__(self, image_shape=(28, 28, 1), dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(image_shape)
        self.dim = dim
        widths = (self.image_shape[-1], dim, 2 * dim, 4 * dim)
        for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            setattr(self, f"d_conv{k}", layers.Conv2D(
                c_out, 5, strides=2, padding="same", name=f"d_conv{k}",
                kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, False)))
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
        config.update(image_shape=self.image_shape, dim=self.dim)
        return config


def make_generator(num_classes: int, image_shape, z_dim: int, dim: int = DIM, method: str = "introgan"):
    """The generator for ``image_shape`` images: 28x28 one-hot input, 32x32 conditional batch norm.

    Raises:
      InputError: for an image shape without networks (one line naming ``method``).
    """
    channels = image_shape[-1]
    if network_side(method, image_shape, SIDES) == 28:
        return ConditionalGenerator(num_classes, z_dim=z_dim, channels=channels, dim=dim)
    return ConditionalBNGenerator(num_classes, z_dim=z_dim, channels=channels, dim=dim)
