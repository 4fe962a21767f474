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


@dataclasses.dataclass(frozen=True)
class DatasetSplits:
    """uint8 images [N, H, W, C] and int64 labels [N] (original label ids)."""

    info: DatasetInfo
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where the data was read from, for the logs
