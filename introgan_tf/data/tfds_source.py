"""Loading MNIST / Fashion-MNIST / SVHN through tensorflow-datasets, offline.

TFDS normally downloads the files itself, and offline it retries for minutes
before failing.  We never let it try silently: the local files are handed to
TFDS as its *manual download directory*, where TFDS takes a file of the name it
expects and checks it against its recorded size and sha256 (the official files
pass), so ``download_and_prepare`` runs without network access.  Only
``tfds_download=True`` lets TFDS go online.  A dataset already prepared in
``tfds_data_dir`` is read as it is.

SVHN (``svhn_cropped``): the builder prepares its three splits at once, so it
needs all three official files there, ``extra_32x32.mat`` (1.3 GB) included;
without one of them, or with a file that is not the official size, TFDS would
go online: we refuse first, in one line saying what to do.
"""

import os
from typing import Optional

import numpy as np

from introgan_tf.data.checksums import OFFICIAL
from introgan_tf.data.dataset_info import DatasetInfo, DatasetSplits
from introgan_tf.data.files import find_data_dir
from introgan_tf.errors import InputError

# Builders that download more files than ``info.required_files``: every file they need in the manual directory.
MANUAL_FILES = {"svhn_cropped": ("train_32x32.mat", "test_32x32.mat", "extra_32x32.mat")}


def check_manual_dir(info: DatasetInfo, directory: str) -> None:
    """One-line InputError if TFDS would have to go online to prepare ``info`` from ``directory``: a file of
    :data:`MANUAL_FILES` missing or not of its official size (TFDS accepts only the official files)."""
    names = MANUAL_FILES.get(info.tfds_name, ())
    instead = (f"; or read the files directly with --data_source=idx (train_32x32.mat and test_32x32.mat are "
               f"enough there), or let TFDS download with --tfds_download")
    missing = [name for name in names if not os.path.isfile(os.path.join(directory, name))]
    if missing:
        raise InputError(f"{info.name}: tensorflow-datasets' {info.tfds_name} builder prepares every split at once "
                         f"and needs {', '.join(names)} in {directory} to work offline; missing "
                         f"{', '.join(missing)}{instead}")
    for name in names:
        path = os.path.join(directory, name)
        if name in OFFICIAL and os.path.getsize(path) != OFFICIAL[name][0]:
            raise InputError(f"{path}: {os.path.getsize(path):,} bytes, not the official file "
                             f"({OFFICIAL[name][0]:,} bytes), which is the only one tensorflow-datasets accepts{instead}")


def default_tfds_data_dir() -> str:
    """Where TFDS writes prepared datasets: $TFDS_DATA_DIR or datasets/tfds."""
    return os.environ.get("TFDS_DATA_DIR", os.path.join("datasets", "tfds"))


def load_with_tfds(info: DatasetInfo, data_dir: Optional[str], tfds_data_dir: Optional[str],
                   tfds_download: bool) -> DatasetSplits:
    """Builds ``info`` with TFDS and returns it as numpy arrays (original labels)."""
    import tensorflow_datasets as tfds

    if info.tfds_name is None:
        raise InputError(f"{info.name}: no tensorflow-datasets builder; use --data_source=idx")
    tfds_data_dir = tfds_data_dir or default_tfds_data_dir()
    builder = tfds.builder(info.tfds_name, data_dir=tfds_data_dir)
    if not builder.is_prepared():
        if tfds_download:
            download_config = tfds.download.DownloadConfig()
        else:
            # Fails with our one-line message (places tried, how to get the files) before TFDS
            # could start a network attempt.
            manual_dir = find_data_dir(info, data_dir)
            check_manual_dir(info, manual_dir)
            download_config = tfds.download.DownloadConfig(manual_dir=manual_dir)
        try:
            builder.download_and_prepare(download_config=download_config)
        except Exception as error:  # TFDS raises many types (checksums, network, IO).
            raise InputError(f"{info.name}: tensorflow-datasets could not prepare the data in {tfds_data_dir}: "
                             f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}") from None
    arrays = {}
    for split in ("train", "test"):
        data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
        arrays[split] = (np.asarray(data["image"], np.uint8), np.asarray(data["label"], np.int64))
    (x_train, y_train), (x_test, y_test) = arrays["train"], arrays["test"]
    return DatasetSplits(info, x_train, y_train, x_test, y_test,
                         source=f"tfds:{os.path.join(tfds_data_dir, info.tfds_name)}")
