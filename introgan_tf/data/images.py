"""Decoding, cropping and resizing encoded images in a streaming tf.data pipeline (LSUN, image folders).

Images of any size come in as encoded bytes (LSUN's LMDB values) or files (image folders) and leave as uint8
[S, S, 3], batch by batch, written into one preallocated array: the encoded or full-size images are never all
in memory, only the final S x S x 3 pixels.

Preprocessing (``mode``):

* ``center_crop``: the largest centred square, then resize to S (GAN_stability / GAN Memory's ``Resize(S)`` +
  ``CenterCrop(S)``, the default);
* ``stretch``: the whole image resized to S x S, aspect ratio not kept (MeRGAN's own LSUN loader).

Resizing uses the area filter (the average of the covered source pixels, right for shrinking; bilinear when
enlarging), then rounds to uint8.
"""

import sys
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

MODES = ("center_crop", "stretch")
# What a folder of images may hold; PIL reads all of them (tf.io.decode_image only some).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".ppm", ".pgm")


def crop_and_resize(image, size: int, mode: str = "center_crop"):
    """uint8 [H, W, 3] tensor -> uint8 [size, size, 3] tensor (``mode`` as the module docstring)."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    if mode == "center_crop":
        shape = tf.shape(image)
        height, width = shape[0], shape[1]
        side = tf.minimum(height, width)
        image = image[(height - side) // 2:(height - side) // 2 + side, (width - side) // 2:(width - side) // 2 + side]
        shrinking = side >= size
    else:
        shrinking = tf.reduce_min(tf.shape(image)[:2]) >= size
    image = tf.cast(image, tf.float32)
    resized = tf.cond(shrinking,
                      lambda: tf.image.resize(image, [size, size], method="area"),
                      lambda: tf.image.resize(image, [size, size], method="bilinear"))
    return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)


def decode_bytes_tf(encoded, size: int, mode: str):
    """Encoded JPEG / PNG / WebP / GIF / BMP bytes -> uint8 [size, size, 3], decoded by TensorFlow.

    ``expand_animations=False``: a WebP or GIF is one frame [H, W, 3], not [1, H, W, 3]."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
    image.set_shape([None, None, 3])
    return crop_and_resize(image, size, mode)


def decode_file_pil(path: str) -> np.ndarray:
    """Any image PIL reads (grey, palette, CMYK, alpha...) as uint8 RGB [H, W, 3].

    Raises:
      OSError / ValueError: the file is not a readable image (truncated or corrupt).
    """
    from PIL import Image  # pylint: disable=import-outside-toplevel

    with Image.open(path) as image:
        image.load()
        return np.asarray(image.convert("RGB"), np.uint8)


def first_undecodable(items: Sequence, decode_one: Callable) -> Optional[int]:
    """The index of the first item ``decode_one`` fails on (after a whole-batch failure), or None."""
    for index, item in enumerate(items):
        try:
            decode_one(item)
        except Exception:  # pylint: disable=broad-except  (any decoder error names the item)
            return index
    return None


def progress(message: str) -> None:
    print(f"[introgan_tf] {message}", file=sys.stderr, flush=True)


def fill_array(batches: Iterable[np.ndarray], count: int, size: int) -> np.ndarray:
    """Writes a stream of uint8 [B, size, size, 3] batches into one preallocated [count, size, size, 3] array."""
    out = np.empty((count, size, size, 3), np.uint8)
    filled = 0
    for batch in batches:
        out[filled:filled + len(batch)] = batch
        filled += len(batch)
    if filled != count:
        raise RuntimeError(f"expected {count} images, decoded {filled}")
    return out
