"""The types every dataset loader shares: what a dataset is (:class:`DatasetInfo`) and what loading it gives
(:class:`DatasetSplits`)."""

import dataclasses
from typing import Optional, Tuple

import numpy as np


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Static description of a dataset.

    Attributes:
      name: the CLI name (registry key).
      image_shape: (H, W, C) of one image.
      num_classes: number of classes; labels are 0..num_classes-1.
      class_names: human-readable name of each original label.
      replay_per_class: IntroGAN's hard-coded N_rep, generated replay images per old class (He et al. 2024).
      how_to_get: one sentence telling a user how to obtain the files.
      required_files: the file names a data directory must hold.
      system_dirs: extra directories searched after the defaults.
      tfds_name: the TFDS builder name, or None.
      dir_name: the folder name searched for the files (``datasets/<dir_name>/``, ...); default ``name``.  The
        32x32x3 renderings of MNIST read MNIST's own folder.
      loader: the reader's key in ``datasets.LOADERS``.
      alternative_files: other sets of file names that also make a directory usable (CIFAR-10's python version,
        or its batches unpacked without the ``cifar-10-batches-*`` folder).
    """

    name: str
    image_shape: Tuple[int, int, int]
    num_classes: int
    class_names: Tuple[str, ...]
    replay_per_class: int
    how_to_get: str
    required_files: Tuple[str, ...] = ()
    system_dirs: Tuple[str, ...] = ()
    tfds_name: Optional[str] = None
    dir_name: Optional[str] = None
    loader: str = "idx"
    alternative_files: Tuple[Tuple[str, ...], ...] = ()

    @property
    def files_dir(self) -> str:
        return self.dir_name or self.name


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """How a dataset is read (the ``data`` group of the config; flags in ``flags/experiment_flags.py``).

    Attributes:
      svhn_extra: add SVHN's ``extra_32x32.mat`` (531,131 images) to the training split.
      svhn_labels: ``digit`` (label = the digit, SVHN's 10 -> 0; MeRGAN, DGR, TFDS) or ``introgan`` (label =
        y - 1, so index 9 is digit 0, as the original IntroGAN's ``utils/svhn.py``); None: the method's default.
      image_size: side of the square images LSUN and image folders are resized and centre-cropped to.
      lsun_categories: comma-separated LSUN categories, one class each, in this order.
      max_images_per_class: read at most this many training images per class (LSUN, image folders); 0: all.
      lsun_resize: ``center_crop`` (largest centred square, then resize) or ``stretch`` (resize the whole image
        to a square, as MeRGAN's own LSUN loader).
      verify_data: compute the sha256 of every file that has an official checksum, whatever its size.
      data_cache: keep the decoded, resized LSUN / image-folder images in a disk cache (data/decoded_cache.py).
      second_data_dir: DGR's two-dataset experiments (mnist-svhn, svhn-mnist): the directory of the second
        dataset's files (default: the usual search order for that dataset).
    """

    svhn_extra: bool = False
    svhn_labels: Optional[str] = None
    image_size: int = 64
    lsun_categories: str = "bedroom,kitchen,church_outdoor,tower"
    max_images_per_class: int = 0
    lsun_resize: str = "center_crop"
    verify_data: bool = False
    data_cache: bool = True
    second_data_dir: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class DatasetSplits:
    """uint8 images [N, H, W, C] and int64 labels [N] (original label ids)."""

    info: DatasetInfo
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where the data was read from, for the logs
    provenance: Tuple[str, ...] = ()  # per checked file: "<file>: official" / "<file>: not the official file"
