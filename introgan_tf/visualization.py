"""Sample grids: one row per class, as PNG files and TensorBoard images."""

import numpy as np
from PIL import Image

from introgan_tf.data.pipeline import quantize_to_uint8


def make_grid(images: np.ndarray, rows: int, pad: int = 2) -> np.ndarray:
    """uint8 grid [rows*(H+pad)+pad, cols*(W+pad)+pad, C] from images in [-1, 1], row-major."""
    images = quantize_to_uint8(images)
    count, height, width, channels = images.shape
    cols = count // rows
    grid = np.full((rows * (height + pad) + pad, cols * (width + pad) + pad, channels), 255, np.uint8)
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        grid[top:top + height, left:left + width] = images[i]
    return grid


def save_png(grid: np.ndarray, path: str, scale: int = 2) -> None:
    """Writes a uint8 grid [H, W, 1|3] as PNG, upscaled for readability."""
    image = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    image.save(path)
