"""SVHN, cropped digits (Netzer et al., 2011): ``train_32x32.mat``, ``test_32x32.mat`` and ``extra_32x32.mat``.

Each file is a MATLAB level-5 MAT-file (zlib-compressed variables, read by ``scipy.io.loadmat``; the HDF5-based
v7.3 is not the official format) holding ``X``: uint8 [32, 32, 3, N] (height, width, channel, image) and ``y``:
[N, 1] with values 1..10, where **10 means the digit 0**.

Two label conventions exist, and they change which digits a class order puts in which session:

* ``digit``: label = y mod 10, the digit itself (MeRGAN's ``tflib/svhn.py``, the DGR reference, TFDS);
* ``introgan``: label = y - 1, so index 0 is digit 1, ..., index 8 is digit 9 and index 9 is digit 0 (the original
  IntroGAN's ``utils/svhn.py``; its class orders and per-class FID files use these indices).

``class_names`` always name the digit, so reports are unambiguous under either convention.
"""

import os

import numpy as np

from introgan_tf.errors import InputError

LABEL_CONVENTIONS = ("digit", "introgan")


def class_names(convention: str):
    """The digit each label index stands for."""
    if convention == "introgan":
        return tuple(str((index + 1) % 10) for index in range(10))
    return tuple(str(index) for index in range(10))


def read_mat(path: str, convention: str = "digit"):
    """Reads one SVHN ``.mat`` file: (uint8 images [N, 32, 32, 3], int64 labels [N]).

    Raises:
      InputError: one line naming the file: missing, truncated, corrupt, v7.3, or with the wrong variables,
        shapes, dtypes or label values.
    """
    import scipy.io  # pylint: disable=import-outside-toplevel  (only SVHN users pay for it)

    if convention not in LABEL_CONVENTIONS:
        raise InputError(f"--svhn_labels={convention}: expected one of {', '.join(LABEL_CONVENTIONS)}")
    if not os.path.isfile(path):
        raise InputError(f"{path}: file not found")
    try:
        contents = scipy.io.loadmat(path, variable_names=["X", "y"])
    except NotImplementedError:  # scipy's answer to a v7.3 (HDF5) file
        raise InputError(f"{path}: a MATLAB v7.3 (HDF5) file; expected the official MATLAB v5 file "
                         f"(re-save it in MATLAB with save(..., '-v7'))") from None
    except Exception as error:  # pylint: disable=broad-except  (scipy raises many types on a damaged file)
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"{path}: not a readable MATLAB v5 file, truncated or corrupt ({first})") from None
    for name in ("X", "y"):
        if name not in contents:
            raise InputError(f"{path}: no variable {name!r} (expected X: uint8 [32, 32, 3, N] and y: [N, 1])")
    x, y = contents["X"], contents["y"]
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[:3] != (32, 32, 3):
        raise InputError(f"{path}: X is {x.dtype} {list(x.shape)}, expected uint8 [32, 32, 3, N]")
    num = x.shape[3]
    if y.size != num or (y.ndim == 2 and 1 not in y.shape) or y.ndim > 2:
        raise InputError(f"{path}: y has shape {list(y.shape)}, expected [{num}, 1] (one label per image)")
    y = y.reshape(-1)
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise InputError(f"{path}: y is {y.dtype}, expected integer labels 1..10")
    if np.issubdtype(y.dtype, np.floating) and not np.array_equal(y, np.round(y)):
        raise InputError(f"{path}: y holds non-integral values, expected labels 1..10")
    y = y.astype(np.int64)
    if num and (y.min() < 1 or y.max() > 10):
        bad = int(y.min()) if y.min() < 1 else int(y.max())
        raise InputError(f"{path}: label {bad} out of range, expected 1..10 (10 is the digit 0)")
    labels = y - 1 if convention == "introgan" else y % 10
    # (H, W, C, N) -> (N, H, W, C), made contiguous once (the training pool gathers from it).
    images = np.ascontiguousarray(np.transpose(x, (3, 0, 1, 2)))
    return images, labels
