"""Dataset registry keyed by the command-line names (``--dataset``), and :func:`load_dataset`.

Each entry is a :class:`~introgan_tf.data.dataset_info.DatasetInfo` (image shape, class count, default replay
size, the files it needs and how to get them).  Nothing here touches the network: the TFDS path
(``data_source="tfds"``) is offline unless the user asks TFDS to download.  Where the files are looked for is
in ``files.py``.
"""

import os
from typing import Dict, Optional

import dataclasses

from introgan_tf.data import idx
from introgan_tf.data.dataset_info import DataOptions, DatasetInfo, DatasetSplits
from introgan_tf.data.rgb32 import render_rgb32
from introgan_tf.data.files import find_data_dir
from introgan_tf.errors import InputError

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

MNIST = DatasetInfo(
    name="mnist",
    image_shape=(28, 28, 1),
    num_classes=10,
    class_names=tuple(str(d) for d in range(10)),
    replay_per_class=6000,
    how_to_get=("download the four IDX .gz files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from yann.lecun.com/exdb/mnist "
                "into that directory, or run with --data_source=tfds --tfds_download"),
    required_files=tuple(IDX_FILES.values()),
    tfds_name="mnist",
)

FASHION_MNIST = DatasetInfo(
    name="fashion-mnist",
    image_shape=(28, 28, 1),
    num_classes=10,
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"),
    replay_per_class=6000,
    how_to_get=("run 'apt-get install dataset-fashion-mnist' (Debian/Ubuntu), or download the four IDX .gz files "
                "from github.com/zalandoresearch/fashion-mnist (data/fashion) into that directory, "
                "or run with --data_source=tfds --tfds_download"),
    required_files=tuple(IDX_FILES.values()),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    tfds_name="fashion_mnist",
)


def load_idx_dataset(info: DatasetInfo, data_dir: Optional[str]) -> DatasetSplits:
    """Reads and validates the four IDX files of ``info``."""
    directory = find_data_dir(info, data_dir)
    path = {key: os.path.join(directory, name) for key, name in IDX_FILES.items()}
    x_train = idx.read_idx_images(path["train_images"])
    y_train = idx.read_idx_labels(path["train_labels"], info.num_classes)
    x_test = idx.read_idx_images(path["test_images"])
    y_test = idx.read_idx_labels(path["test_labels"], info.num_classes)
    for split, images, labels, image_file in (("train", x_train, y_train, path["train_images"]),
                                              ("test", x_test, y_test, path["test_images"])):
        if images.shape[1:] != info.image_shape:
            raise InputError(f"{image_file}: images of shape {images.shape[1:]}, expected {info.image_shape}")
        if len(images) != len(labels):
            raise InputError(f"{image_file}: {len(images)} {split} images but {len(labels)} labels")
    return DatasetSplits(info, x_train, y_train, x_test, y_test, source=directory)


def rgb32_info(base: DatasetInfo) -> DatasetInfo:
    """``base`` rendered as 32x32x3 (data/rgb32.py), read from ``base``'s own folder."""
    return dataclasses.replace(base, name=f"{base.name}-rgb32", image_shape=(32, 32, 3), dir_name=base.files_dir,
                               tfds_name=None, loader="rgb32")


MNIST_RGB32 = rgb32_info(MNIST)
FASHION_MNIST_RGB32 = rgb32_info(FASHION_MNIST)


def load_rgb32_dataset(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    """The base IDX dataset, every image padded to 32x32 and replicated to 3 channels."""
    del options
    base = load_idx_dataset(dataclasses.replace(info, image_shape=(28, 28, 1)), data_dir)
    return dataclasses.replace(base, info=info, x_train=render_rgb32(base.x_train), x_test=render_rgb32(base.x_test),
                               source=f"{base.source} (rendered 32x32x3)")


def _load_idx(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    del options
    return load_idx_dataset(info, data_dir)


# DatasetInfo.loader -> reader(info, data_dir, options).
LOADERS = {"idx": _load_idx, "rgb32": load_rgb32_dataset}

DATASETS: Dict[str, DatasetInfo] = {info.name: info for info in (MNIST, FASHION_MNIST, MNIST_RGB32,
                                                                  FASHION_MNIST_RGB32)}


def get_dataset_info(name: str) -> DatasetInfo:
    """Looks ``name`` up in :data:`DATASETS`.

    Raises:
      ValueError: listing the valid names.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


def check_files(name: str, data_dir: Optional[str], data_source: str = "idx") -> None:
    """Fails with the one-line "where to put the files" error before anything heavy is imported."""
    if data_source == "idx":
        find_data_dir(get_dataset_info(name), data_dir)


def load_dataset(name: str, data_dir: Optional[str] = None, data_source: str = "idx",
                 tfds_data_dir: Optional[str] = None, tfds_download: bool = False,
                 options: Optional[DataOptions] = None) -> DatasetSplits:
    """Loads a registered dataset from local files.

    Args:
      name: registry key, e.g. ``"mnist"``.
      data_dir: directory with the raw files; None searches the defaults (files.py).
      data_source: ``"idx"`` reads the IDX files directly; ``"tfds"`` builds the
        dataset through tensorflow-datasets, using the IDX files as its manual
        download directory.
      tfds_data_dir: where TFDS writes its prepared dataset.
      tfds_download: let TFDS download the files (needs internet).
      options: how to read the formats that have settings (SVHN's labels, LSUN's categories, image size, ...).
    """
    info = get_dataset_info(name)
    options = options or DataOptions()
    if data_source == "idx":  # "the files themselves", whatever their format
        return LOADERS[info.loader](info, data_dir, options)
    if data_source == "tfds":
        from introgan_tf.data import tfds_source  # pylint: disable=import-outside-toplevel  (slow import)
        return tfds_source.load_with_tfds(info, data_dir, tfds_data_dir, tfds_download)
    raise ValueError(f"unknown data_source {data_source!r}; valid: idx, tfds")
