"""Reader for the IDX files of MNIST and Fashion-MNIST (LeCun et al., 1998).

The format: a big-endian header ``0x0000 <dtype> <ndim>`` followed by one
uint32 per dimension, then the raw data.  Images are ``0x00000803`` (uint8,
3-D), labels ``0x00000801`` (uint8, 1-D).  Files may be gzip-compressed.

Every defect (wrong magic, truncation, bad dimensions, label out of range) is
reported as an :class:`~introgan_tf.errors.InputError` naming the file.
"""

import gzip
import os
import struct
import zlib

import numpy as np

from introgan_tf.errors import InputError

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def _read_bytes(path: str) -> bytes:
    if not os.path.isfile(path):
        raise InputError(f"{path}: file not found")
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return handle.read()
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, EOFError, zlib.error) as error:
        # gzip raises EOFError for a truncated stream and BadGzipFile (OSError) for garbage.
        raise InputError(f"{path}: not a readable gzip/IDX file ({error})") from None


def _parse(path: str, data: bytes, magic: int, ndim: int):
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise InputError(f"{path}: truncated IDX header ({len(data)} bytes, expected at least {header_size})")
    (found_magic,) = struct.unpack(">I", data[:4])
    if found_magic != magic:
        raise InputError(f"{path}: wrong IDX magic number 0x{found_magic:08x}, expected 0x{magic:08x}")
    dims = struct.unpack(">" + "I" * ndim, data[4:header_size])
    if any(d == 0 for d in dims):
        raise InputError(f"{path}: IDX dimensions {dims} contain a zero")
    expected = int(np.prod(dims))
    payload = len(data) - header_size
    if payload != expected:
        what = "truncated" if payload < expected else "has trailing bytes"
        raise InputError(f"{path}: IDX data {what}: {payload} bytes of data, header promises {expected} for shape {dims}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(dims)


def read_idx_images(path: str) -> np.ndarray:
    """Reads an IDX image file into a uint8 array of shape [N, H, W, 1]."""
    images = _parse(path, _read_bytes(path), IMAGES_MAGIC, 3)
    return images[..., None]


def read_idx_labels(path: str, num_classes: int = 10) -> np.ndarray:
    """Reads an IDX label file into an int64 array of shape [N].

    Raises:
      InputError: if a label is outside ``[0, num_classes)``.
    """
    labels = _parse(path, _read_bytes(path), LABELS_MAGIC, 1).astype(np.int64)
    if labels.size and labels.max() >= num_classes:
        raise InputError(f"{path}: label {int(labels.max())} out of range, expected 0..{num_classes - 1}")
    return labels
