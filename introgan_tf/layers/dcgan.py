"""The DCGAN upsampling trunks of the IntroGAN benchmark's generators (He et al. 2024).

28x28: 4x4x(4 dim) -> ConvT 5x5/2 (2 dim) + ReLU -> crop 8x8 to the top-left 7x7 -> ConvT 5x5/2 (dim) + ReLU ->
ConvT 5x5/2 (C) + tanh; no normalisation.

32x32 (the SVHN scripts): 4x4x(4 dim) -> BN_1 + ReLU -> ConvT 5x5/2 (2 dim) -> BN_2 + ReLU -> ConvT 5x5/2 (dim) ->
BN_3 + ReLU -> ConvT 5x5/2 (C) + tanh, with batch norm on the statistics of the current batch always
(layers/conditional_batch_norm.py): conditional (one gamma/beta row per class) in IntroGAN's and MeRGAN-ig's
generators, a single row (plain batch norm on batch statistics) in DGR-ig's unconditional one.

Both with the original's stride-adjusted uniform initialisation; dim = 64 in the originals.  IntroGAN's
conditional generators put them behind their input Dense; DGR-ig's unconditional generator behind a plain one.
"""

from keras import layers, ops

from introgan_tf.layers import numbered_layers
from introgan_tf.layers.conditional_batch_norm import ConditionalBatchNorm
from introgan_tf.layers.initializers import stride_adjusted_uniform

DIM = 64
WIDTHS = (4 * DIM, 2 * DIM, DIM)  # channels of the 4x4 input and of the first two upsampled maps (dim = 64)


def add_upsampling(owner, channels: int, dim: int = DIM) -> None:
    """Creates ``owner.g_deconv1..3`` (attributes, not a list: see layers.numbered_layers); ``owner.dim`` must be
    ``dim`` (the upsampling reads it)."""
    widths = (4 * dim, 2 * dim, dim, channels)
    for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        setattr(owner, f"g_deconv{k}", layers.Conv2DTranspose(
            c_out, 5, strides=2, padding="same", name=f"g_deconv{k}",
            kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, True)))


def upsample(owner, x):
    """[N, 64 dim] pre-activations of the input Dense -> images [N, 28, 28, C] in [-1, 1]."""
    x = ops.reshape(ops.relu(x), (-1, 4, 4, 4 * owner.dim))
    x = ops.relu(owner.g_deconv1(x))
    x = x[:, :7, :7, :]  # the original crops 8x8 to the top-left 7x7
    x = ops.relu(owner.g_deconv2(x))
    return ops.tanh(ops.cast(owner.g_deconv3(x), "float32"))  # float32 images under mixed precision


def add_bn_upsampling(owner, channels: int, num_classes: int, dim: int = DIM) -> None:
    """The 32x32 trunk: ``owner.g_deconv1..3`` and ``owner.g_cond_bn1..3`` (tables of ``num_classes`` rows)."""
    add_upsampling(owner, channels, dim)
    for k in range(1, 4):
        setattr(owner, f"g_cond_bn{k}", ConditionalBatchNorm(num_classes, name=f"g_cond_bn{k}"))


def bn_upsample(owner, x, labels):
    """[N, 64 dim] outputs of the input Dense (no activation) -> images [N, 32, 32, C] in [-1, 1]."""
    x = ops.reshape(x, (-1, 4, 4, 4 * owner.dim))
    for norm, deconv in zip(numbered_layers(owner, "g_cond_bn", 3), numbered_layers(owner, "g_deconv", 3)):
        x = deconv(ops.relu(norm(x, labels)))
    return ops.tanh(ops.cast(x, "float32"))  # float32 images under mixed precision


def batch_norm_tables(owner) -> list:
    """The six growing tensors of a 32x32 trunk: [gamma_1, beta_1, gamma_2, beta_2, gamma_3, beta_3]."""
    return [table for norm in numbered_layers(owner, "g_cond_bn", 3) for table in (norm.gamma, norm.beta)]
