"""CIFAR-10 (Krizhevsky, 2009): the binary version, and the python version read without running any code.

Binary version (``cifar-10-batches-bin/``): ``data_batch_1.bin`` ... ``data_batch_5.bin`` (50,000 training
images) and ``test_batch.bin`` (10,000), each 10,000 records of 3,073 bytes: one label byte 0..9, then 3,072
pixel bytes, the 1,024 red values, then green, then blue, each plane row-major 32x32 (CHW).  ``batches.meta.txt``
names the classes.

Python version (``cifar-10-batches-py/``): the same arrays in Python pickles.  A pickle can run arbitrary code
while it loads, so it is read by :class:`RestrictedUnpickler`, which admits only numpy's array reconstruction
(``numpy.ndarray``, ``numpy.dtype``, ``_reconstruct``) and refuses every other global.
"""

import io
import os
import pickle
import sys

import numpy as np

from introgan_tf.errors import InputError

RECORD_BYTES = 1 + 32 * 32 * 3
RECORDS_PER_FILE = 10000
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def chw_to_hwc(flat: np.ndarray) -> np.ndarray:
    """uint8 [N, 3072] in the CIFAR plane order -> uint8 [N, 32, 32, 3]."""
    return np.ascontiguousarray(flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def read_binary_batch(path: str):
    """Reads one binary batch: (uint8 [N, 32, 32, 3], int64 [N]).

    A size that is not a whole number of records is a truncated (or foreign) file: an error.  A whole number
    other than the official 10,000 is read, with a warning (a trimmed copy is legitimate).
    """
    if not os.path.isfile(path):
        raise InputError(f"{path}: file not found")
    size = os.path.getsize(path)
    if size == 0 or size % RECORD_BYTES:
        raise InputError(f"{path}: truncated or not a CIFAR-10 binary batch: {size:,} bytes is not a whole number "
                         f"of {RECORD_BYTES}-byte records (one label byte, 3,072 pixel bytes; the official "
                         f"batches are {RECORDS_PER_FILE * RECORD_BYTES:,} bytes)")
    data = np.fromfile(path, np.uint8).reshape(-1, RECORD_BYTES)
    if len(data) != RECORDS_PER_FILE:
        print(f"[introgan_tf] warning: {path}: {len(data):,} records, the official batches hold "
              f"{RECORDS_PER_FILE:,}", file=sys.stderr, flush=True)
    labels = data[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise InputError(f"{path}: label byte {int(labels.max())} out of range 0..9 (not a CIFAR-10 binary batch)")
    return chw_to_hwc(data[:, 1:]), labels


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles only numpy arrays and plain Python containers; any other global is refused before it runs."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"),
               ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
               # How Python 3 spells a bytes object in protocol 2 (a pure string conversion, no side effect).
               ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")


def restricted_load(data: bytes):
    """``pickle.loads`` admitting only numpy's array reconstruction; keys of Python 2 pickles come back as bytes."""
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()


def read_python_batch(path: str):
    """Reads one python-version batch with :func:`restricted_load`: (uint8 [N, 32, 32, 3], int64 [N])."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: file not found")
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        batch = restricted_load(raw)
    except pickle.UnpicklingError as error:
        raise InputError(f"{path}: refused to unpickle ({error}); only numpy arrays are read from a pickle. "
                         f"Use the binary version (cifar-10-batches-bin) instead") from None
    except Exception as error:  # pylint: disable=broad-except  (a damaged pickle fails in many ways)
        raise InputError(f"{path}: truncated or corrupt pickle ({type(error).__name__})") from None
    if not isinstance(batch, dict):
        raise InputError(f"{path}: expected a pickled dict with 'data' and 'labels', got {type(batch).__name__}")
    batch = {key.decode() if isinstance(key, bytes) else key: value for key, value in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise InputError(f"{path}: no 'data' / 'labels' entries (not a CIFAR-10 python batch)")
    data, labels = batch["data"], np.asarray(batch["labels"])
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise InputError(f"{path}: data is {getattr(data, 'dtype', type(data).__name__)} "
                         f"{list(getattr(data, 'shape', []))}, expected uint8 [N, 3072]")
    if labels.shape != (len(data),) or not np.issubdtype(labels.dtype, np.integer) or \
            (labels.size and (labels.min() < 0 or labels.max() > 9)):
        raise InputError(f"{path}: labels must be {len(data)} integers 0..9")
    return chw_to_hwc(data), labels.astype(np.int64)


def find_version(directory: str):
    """(``"bin"`` | ``"py"``, the batches folder) found in ``directory`` (itself or its cifar-10-batches-* child)."""
    for version, sub, probe in (("bin", "cifar-10-batches-bin", "test_batch.bin"),
                                ("py", "cifar-10-batches-py", "test_batch")):
        for folder in (os.path.join(directory, sub), directory):
            if os.path.isfile(os.path.join(folder, probe)):
                return version, folder
    return None, None


def read_cifar10(directory: str):
    """(x_train, y_train, x_test, y_test) from the binary or the python version under ``directory``."""
    version, folder = find_version(directory)
    if version is None:
        raise InputError(f"{directory}: no CIFAR-10 batches (expected cifar-10-batches-bin/test_batch.bin ...)")
    read = read_binary_batch if version == "bin" else read_python_batch
    suffix = ".bin" if version == "bin" else ""
    x_test, y_test = read(os.path.join(folder, f"{TEST_FILE}{suffix}"))
    # Batch by batch into one array sized from the files (binary: their byte counts), not a concatenation of
    # five copies: the peak stays near one copy of the training set.
    paths = [os.path.join(folder, f"{name}{suffix}") for name in TRAIN_FILES]
    if version == "bin" and all(os.path.isfile(p) and os.path.getsize(p) % RECORD_BYTES == 0 for p in paths):
        x_train = np.empty((sum(os.path.getsize(p) // RECORD_BYTES for p in paths), 32, 32, 3), np.uint8)
        labels, filled = [], 0
        for path in paths:
            x, y = read(path)
            x_train[filled:filled + len(x)] = x
            filled += len(x)
            labels.append(y)
        y_train = np.concatenate(labels)
    else:
        parts = [read(path) for path in paths]
        x_train = np.concatenate([x for x, _ in parts])
        y_train = np.concatenate([y for _, y in parts])
    return x_train, y_train, x_test, y_test, folder
