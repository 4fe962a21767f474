"""Dataset registry keyed by the command-line names (``--dataset``).

Each entry describes a dataset (:class:`DatasetInfo`: image shape, class count,
default replay size) and knows how to read it from local files.  Nothing here
touches the network: the TFDS path (``data_source="tfds"``) is offline unless
the user asks TFDS to download.

Where IDX files are looked for, in order (unless ``data_dir`` is given, in
which case only there):

1. ``datasets/<name>/`` (relative to the working directory, as in the original
   repository);
2. ``$INTROGAN_DATA_DIR/<name>/``;
3. for fashion-mnist, Debian's ``/usr/share/datasets/fashion-mnist/`` (package
   ``dataset-fashion-mnist``).
"""

import dataclasses
import os
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from introgan_tf.data import idx
from introgan_tf.errors import InputError

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Static description of a dataset.

    Attributes:
      name: the CLI name (registry key).
      image_shape: (H, W, C) of one image.
      num_classes: number of classes; labels are 0..num_classes-1.
      class_names: human-readable name of each original label.
      replay_per_class: IntroGAN's hard-coded N_rep (introgan.md section 8).
      how_to_get: one sentence telling a user how to obtain the files.
      system_dirs: extra directories searched after the defaults.
      tfds_name: the TFDS builder name, or None.
    """

    name: str
    image_shape: Tuple[int, int, int]
    num_classes: int
    class_names: Tuple[str, ...]
    replay_per_class: int
    how_to_get: str
    system_dirs: Tuple[str, ...] = ()
    tfds_name: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class DatasetSplits:
    """uint8 images [N, H, W, C] and int64 labels [N] (original label ids)."""

    info: DatasetInfo
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where the data was read from, for the logs


MNIST = DatasetInfo(
    name="mnist",
    image_shape=(28, 28, 1),
    num_classes=10,
    class_names=tuple(str(d) for d in range(10)),
    replay_per_class=6000,
    how_to_get=("download the four IDX .gz files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from yann.lecun.com/exdb/mnist "
                "into that directory, or run with --data_source=tfds --tfds_download"),
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
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    tfds_name="fashion_mnist",
)


def candidate_dirs(info: DatasetInfo, data_dir: Optional[str]) -> Tuple[str, ...]:
    """The directories searched for ``info``'s files, in order."""
    if data_dir:
        return (data_dir,)
    dirs = [os.path.join("datasets", info.name)]
    env_root = os.environ.get("INTROGAN_DATA_DIR")
    if env_root:
        dirs.append(os.path.join(env_root, info.name))
    dirs.extend(info.system_dirs)
    return tuple(dirs)


def find_idx_dir(info: DatasetInfo, data_dir: Optional[str]) -> str:
    """Returns the first candidate directory holding all four IDX files.

    Raises:
      InputError: listing the places tried and how to obtain the data.
    """
    tried = candidate_dirs(info, data_dir)
    for directory in tried:
        if all(os.path.isfile(os.path.join(directory, f)) for f in IDX_FILES.values()):
            return directory
    if data_dir:
        if not os.path.isdir(data_dir):
            problem = f"--data_dir {data_dir}: directory does not exist"
        else:
            missing = [f for f in IDX_FILES.values() if not os.path.isfile(os.path.join(data_dir, f))]
            problem = f"--data_dir {data_dir}: missing {', '.join(missing)}"
        raise InputError(f"{info.name}: {problem}; to obtain the data, {info.how_to_get}")
    raise InputError(f"{info.name}: IDX files not found in any of {', '.join(tried)}; to obtain the data, "
                     f"{info.how_to_get} (or point --data_dir / $INTROGAN_DATA_DIR at them)")


def load_idx_dataset(info: DatasetInfo, data_dir: Optional[str]) -> DatasetSplits:
    """Reads and validates the four IDX files of ``info``."""
    directory = find_idx_dir(info, data_dir)
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


DATASETS: Dict[str, DatasetInfo] = {info.name: info for info in (MNIST, FASHION_MNIST)}

# How each data source reads a dataset: (info, data_dir, tfds_options) -> DatasetSplits.
LoaderFn = Callable[..., DatasetSplits]


def get_dataset_info(name: str) -> DatasetInfo:
    """Looks ``name`` up in :data:`DATASETS`.

    Raises:
      ValueError: listing the valid names.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


def load_dataset(name: str, data_dir: Optional[str] = None, data_source: str = "idx",
                 tfds_data_dir: Optional[str] = None, tfds_download: bool = False) -> DatasetSplits:
    """Loads a registered dataset from local files.

    Args:
      name: registry key, e.g. ``"mnist"``.
      data_dir: directory with the raw files; None searches the defaults.
      data_source: ``"idx"`` reads the IDX files directly; ``"tfds"`` builds the
        dataset through tensorflow-datasets, using the IDX files as its manual
        download directory.
      tfds_data_dir: where TFDS writes its prepared dataset.
      tfds_download: let TFDS download the files (needs internet).
    """
    info = get_dataset_info(name)
    if data_source == "idx":
        return load_idx_dataset(info, data_dir)
    if data_source == "tfds":
        from introgan_tf.data import tfds_source  # TFDS import is slow; only when asked for.
        return tfds_source.load_with_tfds(info, data_dir, tfds_data_dir, tfds_download)
    raise ValueError(f"unknown data_source {data_source!r}; valid: idx, tfds")
