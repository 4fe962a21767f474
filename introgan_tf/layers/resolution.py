"""Datasets on networks of a larger side: 28x28 MNIST on the baselines' 32x32 networks (MeRGAN, AC-GAN and DGR
all work at 32x32; docs/methods.md), and the shape checks that choose a network.

Images are padded centred with -1, the background of [-1, 1] images (MeRGAN and DGR pad zeros in [0, 1]
before mapping to [-1, 1]); generated images are cropped back to the dataset's size so the evaluation suite and
the SavedModel always see the dataset's shape.
"""

from keras import ops

from introgan_tf.errors import InputError
from introgan_tf.layers import SIZE


def pad_to(images, size: int):
    """[N, H, W, C] in [-1, 1] (H, W <= size) -> [N, size, size, C], centred, padded with -1."""
    height, width = images.shape[1], images.shape[2]
    if height == size and width == size:
        return images
    top, left = (size - height) // 2, (size - width) // 2
    return ops.pad(images, [[0, 0], [top, size - height - top], [left, size - width - left], [0, 0]],
                   constant_values=-1.0)


def pad_to_32(images):
    """:func:`pad_to` 32x32."""
    return pad_to(images, SIZE)


def crop_to(images, image_shape):
    """The centre ``image_shape[:2]`` of square images: the inverse of :func:`pad_to`."""
    size = images.shape[1]
    height, width = image_shape[0], image_shape[1]
    top, left = (size - height) // 2, (size - width) // 2
    return images[:, top:top + height, left:left + width, :]


def network_side(method: str, image_shape, sides) -> int:
    """The side of the network that takes ``image_shape`` images: the smallest of ``sides`` they fit into
    (padded when smaller); one-line InputError naming what the method supports otherwise.

    Args:
      method: the --method name, for the message.
      image_shape: (H, W, C) of the loaded dataset.
      sides: {network side: largest image side it accepts (== side: exact only, < side: padded up to it)}.
    """
    height, width, channels = tuple(image_shape)
    if channels in (1, 3):
        for side in sorted(sides):
            if sides[side] <= max(height, width) <= side and height == width:
                return side
    supported = ", ".join(f"{side}x{side}" if low == side else f"{low}..{side} square" for side, low in
                          sorted(sides.items()))
    raise InputError(f"--method={method}: no network for {height}x{width}x{channels} images (it has networks for "
                     f"{supported} images with 1 or 3 channels)")
