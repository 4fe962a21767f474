"""The 28x28 DCGAN upsampling trunk of the IntroGAN benchmark's generators (He et al. 2024).

4x4x256 -> ConvT 5x5/2 (128) + ReLU -> crop 8x8 to the top-left 7x7 -> ConvT 5x5/2 (64) + ReLU -> ConvT 5x5/2 (C)
+ tanh, with the original's stride-adjusted uniform initialisation.  IntroGAN's conditional generator puts it
behind its growing input Dense; DGR-ig's unconditional generator behind a plain one.
"""

from keras import layers, ops

from introgan_tf.layers.initializers import stride_adjusted_uniform

WIDTHS = (256, 128, 64)  # channels of the 4x4 input and of the first two upsampled maps


def add_upsampling(owner, channels: int) -> None:
    """Creates ``owner.g_deconv1..3`` (attributes, not a list: see layers.numbered_layers)."""
    widths = WIDTHS + (channels,)
    for k, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        setattr(owner, f"g_deconv{k}", layers.Conv2DTranspose(
            c_out, 5, strides=2, padding="same", name=f"g_deconv{k}",
            kernel_initializer=stride_adjusted_uniform(c_in, c_out, 5, 2, True)))


def upsample(owner, x):
    """[N, 4096] pre-activations of the input Dense -> images [N, 28, 28, C] in [-1, 1]."""
    x = ops.reshape(ops.relu(x), (-1, 4, 4, WIDTHS[0]))
    x = ops.relu(owner.g_deconv1(x))
    x = x[:, :7, :7, :]  # the original crops 8x8 to the top-left 7x7
    x = ops.relu(owner.g_deconv2(x))
    return ops.tanh(ops.cast(owner.g_deconv3(x), "float32"))  # float32 images under mixed precision
