"""MNIST and Fashion-MNIST rendered as 32x32x3, the stand-in that trains the colour networks on real pixels.

Each 28x28 grey image is padded with 2 pixels of 0 on every side (28 -> 32) and its grey value copied into R, G
and B: what the DGR reference does with MNIST in its MNIST<->SVHN experiments (``ImageOps.colorize`` from black
to white, then ``Pad(2)`` with black; Shin et al. 2017).  uint8 0 is -1 after the [-1, 1] mapping, the same
padding as ``layers/resolution.py``.  Classes, class orders and replay sizes are the base dataset's; numbers
measured on it are the stand-in's, not SVHN's.
"""

import numpy as np

PAD = 2


def render_rgb32(images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28, 1] -> uint8 [N, 32, 32, 3]: zero padding 2, the grey channel replicated 3 times."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected uint8 [N, 28, 28, 1] images, got {images.dtype} {images.shape}")
    out = np.zeros((len(images), 28 + 2 * PAD, 28 + 2 * PAD, 3), np.uint8)
    out[:, PAD:PAD + 28, PAD:PAD + 28, :] = images  # broadcast the single channel into three
    return out
