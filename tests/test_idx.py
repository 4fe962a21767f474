"""IDX reader: the real files and files broken on purpose."""

import gzip
import struct

import numpy as np
import pytest

from introgan_tf.data import idx
from introgan_tf.errors import InputError


def test_real_mnist(shared_data):
    images = idx.read_idx_images(str(shared_data / "mnist" / "train-images-idx3-ubyte.gz"))
    labels = idx.read_idx_labels(str(shared_data / "mnist" / "train-labels-idx1-ubyte.gz"))
    test_labels = idx.read_idx_labels(str(shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz"))
    assert images.shape == (60000, 28, 28, 1) and images.dtype == np.uint8
    assert len(test_labels) == 10000
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]
    assert np.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_real_fashion_mnist(shared_data):
    labels = idx.read_idx_labels(str(shared_data / "fashion-mnist" / "train-labels-idx1-ubyte.gz"))
    assert np.bincount(labels).tolist() == [6000] * 10
    assert labels[:3].tolist() == [9, 0, 0]


def write_idx(path, magic, dims, payload, compress=True):
    data = struct.pack(">I" + "I" * len(dims), magic, *dims) + payload
    opener = gzip.open if compress else open
    with opener(path, "wb") as handle:
        handle.write(data)
    return str(path)


def test_small_valid_files_uncompressed_and_compressed(tmp_path):
    pixels = bytes(range(2 * 3 * 3))
    for compress, name in ((True, "a.gz"), (False, "a")):
        images = idx.read_idx_images(write_idx(tmp_path / name, idx.IMAGES_MAGIC, (2, 3, 3), pixels, compress))
        assert images.shape == (2, 3, 3, 1) and images[1, 0, 0, 0] == 9


@pytest.mark.parametrize("case, expected", [
    ("magic", "wrong IDX magic"),
    ("truncated", "truncated"),
    ("trailing", "trailing bytes"),
    ("header", "truncated IDX header"),
    ("zero_dim", "contain a zero"),
])
def test_broken_image_files(tmp_path, case, expected):
    magic, dims, payload = idx.IMAGES_MAGIC, (2, 3, 3), bytes(18)
    if case == "magic":
        magic = idx.LABELS_MAGIC
    elif case == "truncated":
        payload = bytes(10)
    elif case == "trailing":
        payload = bytes(20)
    elif case == "zero_dim":
        dims = (0, 3, 3)
    path = tmp_path / "x.gz"
    if case == "header":
        with gzip.open(path, "wb") as handle:
            handle.write(b"\x00\x00\x08")
    else:
        write_idx(path, magic, dims, payload)
    with pytest.raises(InputError, match=expected) as info:
        idx.read_idx_images(str(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_label_out_of_range(tmp_path):
    path = write_idx(tmp_path / "l.gz", idx.LABELS_MAGIC, (3,), bytes([1, 2, 11]))
    with pytest.raises(InputError, match="label 11 out of range"):
        idx.read_idx_labels(path)


def test_not_gzip_and_truncated_gzip(tmp_path):
    garbage = tmp_path / "g.gz"
    garbage.write_bytes(b"this is not gzip")
    with pytest.raises(InputError, match="not a readable"):
        idx.read_idx_images(str(garbage))
    good = write_idx(tmp_path / "t.gz", idx.IMAGES_MAGIC, (50, 28, 28), bytes(50 * 784))
    data = open(good, "rb").read()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.gz"):
        idx.read_idx_images(str(cut))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        idx.read_idx_labels(str(tmp_path / "nope.gz"))
