"""Loading MNIST / Fashion-MNIST through tensorflow-datasets, offline.

TFDS normally downloads the IDX files itself, and offline it waits a few
minutes before failing.  We never let it try silently: the local IDX files are
handed to TFDS as its *manual download directory* (TFDS checks them against its
recorded checksums, which the official files pass), so ``download_and_prepare``
runs without network access.  Only ``tfds_download=True`` lets TFDS go online.
"""

import os
from typing import Optional

import numpy as np

from introgan_tf.data.dataset_info import DatasetInfo, DatasetSplits
from introgan_tf.data.files import find_data_dir
from introgan_tf.errors import InputError


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
