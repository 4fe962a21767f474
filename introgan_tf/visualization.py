"""Sample grids: one row per class, as PNG files and TensorBoard images."""

import io
import os

import numpy as np
from PIL import Image

from introgan_tf.data.pipeline import quantize_to_uint8
from introgan_tf.results import atomic_write_bytes


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
    """Writes a uint8 grid [H, W, 1|3] as PNG, upscaled for readability; atomically (never a half PNG).

    Raises:
      StorageError: naming ``path`` (e.g. disk full); an older file at ``path`` is unchanged.
    """
    image = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())


SAMPLES_PER_CLASS_IN_GRID = 10
FIXED_NOISE_FILE = "fixed_noise.npy"


def fixed_noise(z_dim: int, seed: int, samples_dir: str = None) -> np.ndarray:
    """The grid's noise [10, z_dim]: drawn from the run seed and saved with the run (``samples/fixed_noise.npy``).

    MeRGAN loaded its fixed noise from an unshipped pickle (its issue #1); here it is
    regenerated from the seed, and an existing file of the right shape is reused, so
    grids of a resumed run or of ``--test`` use exactly the same noise.
    """
    path = os.path.join(samples_dir, FIXED_NOISE_FILE) if samples_dir else None
    if path and os.path.exists(path):
        z = np.load(path)
        if z.shape == (SAMPLES_PER_CLASS_IN_GRID, z_dim):
            return z
    z = np.random.default_rng(seed).standard_normal((SAMPLES_PER_CLASS_IN_GRID, z_dim)).astype(np.float32)
    if path:
        buffer = io.BytesIO()
        np.save(buffer, z)
        atomic_write_bytes(path, buffer.getvalue())
    return z


def class_grid(sample_fn, num_classes: int, z: np.ndarray) -> np.ndarray:
    """One row per class 0..num_classes-1, the same noise in every row; ``sample_fn(labels, z)`` -> [-1, 1]."""
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), len(z))
    return make_grid(sample_fn(labels, np.tile(z, (num_classes, 1))), rows=num_classes)
