"""SVHN (.mat) and CIFAR-10 (binary and python batches) on files written in the official formats: pixels and
labels round trip, both SVHN label conventions, corrupt / truncated / foreign files are one-line errors naming
them, the restricted unpickler runs no code, the official-file check, and foolbox's 20 real CIFAR-10 images."""

import importlib.util
import os
import pickle

import numpy as np
import pytest

from introgan_tf import testing
from introgan_tf.data import checksums, cifar, datasets
from introgan_tf.data.dataset_info import DataOptions, DatasetSplits
from introgan_tf.errors import InputError

FOOLBOX_CIFAR_LABELS = [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6]


@pytest.fixture(scope="module")
def colour():
    return testing.synthetic_dataset("mnist", train_per_class=4, test_per_class=2, image_shape=(32, 32, 3))


@pytest.fixture()
def svhn_dir(tmp_path, colour):
    testing.write_svhn_mat(str(tmp_path / "train_32x32.mat"), colour.x_train, testing.svhn_values(colour.y_train))
    testing.write_svhn_mat(str(tmp_path / "test_32x32.mat"), colour.x_test, testing.svhn_values(colour.y_test))
    return tmp_path


def one_line_error(call, *names):
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and all(name in message for name in names), message
    return message


def test_svhn_round_trip_and_label_conventions(svhn_dir, colour):
    data = datasets.load_dataset("svhn", data_dir=str(svhn_dir))
    assert data.x_train.dtype == np.uint8 and data.x_train.shape == colour.x_train.shape
    assert np.array_equal(data.x_train, colour.x_train) and np.array_equal(data.x_test, colour.x_test)
    assert np.array_equal(data.y_train, colour.y_train)  # digit convention: the .mat's 10 is label 0
    introgan = datasets.load_dataset("svhn", data_dir=str(svhn_dir), options=DataOptions(svhn_labels="introgan"))
    assert np.array_equal(introgan.y_train, (colour.y_train - 1) % 10)  # y - 1: digit 0 is index 9
    assert introgan.info.class_names[9] == "0" and introgan.info.class_names[0] == "1"
    assert data.info.class_names[0] == "0"
    assert all("not the official file" in verdict for verdict in data.provenance)


def test_svhn_image_i_is_x_column_i(tmp_path):
    import scipy.io
    x = np.random.default_rng(1).integers(0, 256, (32, 32, 3, 3)).astype(np.uint8)
    for name in ("train_32x32.mat", "test_32x32.mat"):
        scipy.io.savemat(str(tmp_path / name), {"X": x, "y": np.array([[10.0], [1.0], [5.0]])})  # float64 y
    data = datasets.load_dataset("svhn", data_dir=str(tmp_path))
    for i in range(3):
        assert np.array_equal(data.x_train[i], x[:, :, :, i])
    assert data.y_train.tolist() == [0, 1, 5]


def test_svhn_extra(svhn_dir, colour):
    one_line_error(lambda: datasets.load_dataset("svhn", data_dir=str(svhn_dir),
                                                 options=DataOptions(svhn_extra=True)), "extra_32x32.mat")
    testing.write_svhn_mat(str(svhn_dir / "extra_32x32.mat"), colour.x_test, testing.svhn_values(colour.y_test))
    data = datasets.load_dataset("svhn", data_dir=str(svhn_dir), options=DataOptions(svhn_extra=True))
    assert len(data.x_train) == len(colour.x_train) + len(colour.x_test)


@pytest.mark.parametrize("defect", ["truncated", "garbage", "label0", "label11", "shape", "length", "v73",
                                    "no_y"])
def test_svhn_defects_are_one_line_errors(svhn_dir, colour, defect):
    import scipy.io
    path = svhn_dir / "train_32x32.mat"
    x, y = colour.x_train, testing.svhn_values(colour.y_train)
    if defect == "truncated":
        path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    elif defect == "garbage":
        path.write_bytes(b"not a mat file" * 100)
    elif defect in ("label0", "label11"):
        y = y.copy()
        y[0] = 0 if defect == "label0" else 11
        testing.write_svhn_mat(str(path), x, y)
    elif defect == "shape":
        scipy.io.savemat(str(path), {"X": np.zeros((28, 28, 3, 2), np.uint8), "y": np.ones((2, 1))})
    elif defect == "length":
        testing.write_svhn_mat(str(path), x, y[:-1])
    elif defect == "v73":
        import h5py
        with h5py.File(path, "w", userblock_size=512) as handle:
            handle["X"] = np.zeros((2, 3, 32, 32), np.uint8)
        with open(path, "r+b") as handle:  # MATLAB's v7.3 header in the HDF5 user block
            handle.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema"
                         .ljust(116) + b"\x00" * 8 + b"\x00\x02IM")
    elif defect == "no_y":
        scipy.io.savemat(str(path), {"X": np.transpose(x, (1, 2, 3, 0))})
    expected = {"truncated": "truncated or corrupt", "garbage": "not a readable", "label0": "label 0 out of range",
                "label11": "label 11 out of range", "shape": "expected uint8 [32, 32, 3, N]", "length": "one label",
                "v73": "v7.3", "no_y": "no variable 'y'"}[defect]
    one_line_error(lambda: datasets.load_dataset("svhn", data_dir=str(svhn_dir)), str(path), expected)


def test_official_file_check(tmp_path):
    fake = tmp_path / "test_32x32.mat"
    with open(fake, "wb") as handle:  # the official size, other bytes
        handle.truncate(checksums.OFFICIAL["test_32x32.mat"][0])
    assert checksums.check_official(str(fake)) == "test_32x32.mat: not the official file (official size, but its " \
                                                   "sha256 differs)"
    small = tmp_path / "x.bin"
    small.write_bytes(b"abc")
    official = (3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")  # sha256("abc")
    assert checksums.check_official(str(small), official=official) == "x.bin: official"
    assert "truncated" in checksums.check_official(str(small), official=(4, official[1]))


def test_cifar_binary_layout_and_round_trip(tmp_path, colour):
    testing.write_cifar10_dir(str(tmp_path), colour)
    data = datasets.load_dataset("cifar10", data_dir=str(tmp_path))
    assert np.array_equal(data.x_train, colour.x_train) and np.array_equal(data.y_test, colour.y_test)
    assert data.info.class_names[0] == "airplane"
    raw = np.fromfile(tmp_path / "cifar-10-batches-bin" / "test_batch.bin", np.uint8)
    for r, c, channel in ((0, 0, 0), (5, 17, 1), (31, 31, 2)):  # byte 1 + 1024 channel + 32 r + c
        assert data.x_test[0, r, c, channel] == raw[1 + 1024 * channel + 32 * r + c]


@pytest.mark.parametrize("defect", ["truncated", "label", "missing"])
def test_cifar_binary_defects(tmp_path, colour, defect):
    testing.write_cifar10_dir(str(tmp_path), colour)
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_3.bin"
    if defect == "truncated":
        path.write_bytes(path.read_bytes()[:-100])
    elif defect == "label":
        raw = bytearray(path.read_bytes())
        raw[0] = 10
        path.write_bytes(bytes(raw))
    else:
        path.unlink()
    one_line_error(lambda: datasets.load_dataset("cifar10", data_dir=str(tmp_path)),
                   str(tmp_path) if defect == "missing" else str(path))


def python_batch(images, labels):
    return {b"batch_label": b"testing", b"labels": [int(v) for v in labels],
            b"data": images.transpose(0, 3, 1, 2).reshape(len(images), -1), b"filenames": [b"a.png"] * len(images)}


def test_cifar_python_version(tmp_path, colour):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    parts = zip(np.array_split(colour.x_train, 5), np.array_split(colour.y_train, 5))
    for i, (x, y) in enumerate(parts, 1):
        (folder / f"data_batch_{i}").write_bytes(pickle.dumps(python_batch(x, y), protocol=2))
    (folder / "test_batch").write_bytes(pickle.dumps(python_batch(colour.x_test, colour.y_test), protocol=2))
    data = datasets.load_dataset("cifar10", data_dir=str(tmp_path))
    assert np.array_equal(data.x_train, colour.x_train) and np.array_equal(data.y_test, colour.y_test)


class Exploit:
    """A pickle whose loading would create a file: the restricted unpickler must refuse it first."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_cifar_python_refuses_code(tmp_path, colour):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    marker = tmp_path / "pwned"
    batch = python_batch(colour.x_test, colour.y_test)
    batch[b"data"] = Exploit(str(marker))
    for name in cifar.TRAIN_FILES + (cifar.TEST_FILE,):
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        cifar.restricted_load((folder / "test_batch").read_bytes())
    message = one_line_error(lambda: datasets.load_dataset("cifar10", data_dir=str(tmp_path)),
                             str(folder / "test_batch"), "binary version")
    assert "not allowed" in message and not marker.exists()


def foolbox_data():
    spec = importlib.util.find_spec("foolbox")  # never imported: its import needs eagerpy and GitPython
    if spec is None or spec.origin is None:
        pytest.skip("foolbox==3.3.4 (the test extra) is not installed: no real CIFAR-10 / ImageNet pixels")
    return os.path.join(os.path.dirname(spec.origin), "data")


def test_foolbox_cifar10_images_round_trip(tmp_path):
    from PIL import Image
    folder = foolbox_data()
    names = sorted(f for f in os.listdir(folder) if f.startswith("cifar10_"))
    assert len(names) == 20
    images = np.stack([np.asarray(Image.open(os.path.join(folder, name)).convert("RGB")) for name in names])
    labels = np.array([int(name.rsplit("_", 1)[1].split(".")[0]) for name in names])
    assert labels.tolist() == FOOLBOX_CIFAR_LABELS  # the official test order's first 20 labels
    splits = DatasetSplits(datasets.CIFAR10, images, labels, images, labels, "foolbox")
    testing.write_cifar10_dir(str(tmp_path), splits)
    data = datasets.load_dataset("cifar10", data_dir=str(tmp_path))
    assert np.array_equal(data.x_test, images) and data.y_test.tolist() == FOOLBOX_CIFAR_LABELS
    assert [data.info.class_names[v] for v in data.y_test[:4]] == ["cat", "ship", "ship", "airplane"]
