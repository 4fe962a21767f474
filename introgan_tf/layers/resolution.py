"""28x28 datasets on 32x32 networks (MeRGAN, AC-GAN and DGR all work at 32x32; docs/methods.md).

Images are padded centred with -1, the background of [-1, 1] images (MeRGAN and DGR pad zeros in [0, 1]
before mapping to [-1, 1]); generated 32x32 images are cropped back to the dataset's size so the
evaluation suite and the SavedModel always see the dataset's shape.
"""

from keras import ops

from introgan_tf.layers import SIZE


def pad_to_32(images):
    """[N, H, W, C] in [-1, 1] (H, W <= 32) -> [N, 32, 32, C], centred, padded with -1."""
    height, width = images.shape[1], images.shape[2]
    top, left = (SIZE - height) // 2, (SIZE - width) // 2
    if height == SIZE and width == SIZE:
        return images
    return ops.pad(images, [[0, 0], [top, SIZE - height - top], [left, SIZE - width - left], [0, 0]],
                   constant_values=-1.0)


def crop_to(images, image_shape):
    """The centre ``image_shape[:2]`` of 32x32 images: the inverse of :func:`pad_to_32`."""
    height, width = image_shape[0], image_shape[1]
    top, left = (SIZE - height) // 2, (SIZE - width) // 2
    return images[:, top:top + height, left:left + width, :]
