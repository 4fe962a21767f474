"""Dataset registry, search order, one-line errors and the offline TFDS path."""

import dataclasses
import os
import shutil

import numpy as np
import pytest

from introgan_tf.data import datasets, files
from introgan_tf.errors import InputError


def test_registry():
    assert {"mnist", "fashion-mnist"} <= set(datasets.DATASETS)
    assert {"mnist-rgb32", "fashion-mnist-rgb32", "svhn", "cifar10", "lsun", "image_folder"} <= set(datasets.DATASETS)
    with pytest.raises(ValueError, match="valid: cifar10, fashion-mnist, fashion-mnist-rgb32, image_folder, lsun"):
        datasets.get_dataset_info("cifar")


def test_explicit_data_dir_missing_names_directory_and_how_to_get():
    with pytest.raises(InputError) as info:
        datasets.load_dataset("mnist", data_dir="/nonexistent")
    message = str(info.value)
    assert "/nonexistent" in message and "does not exist" in message and "yann.lecun.com" in message
    assert "\n" not in message


def test_default_search_lists_places(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTROGAN_DATA_DIR", str(tmp_path / "root"))
    # The Debian path may really exist on this machine: point the system dir somewhere empty.
    info_without_system_copy = dataclasses.replace(datasets.FASHION_MNIST, system_dirs=(str(tmp_path / "usr"),))
    with pytest.raises(InputError) as info:
        files.find_data_dir(info_without_system_copy, None)
    message = str(info.value)
    for place in ("datasets/fashion-mnist", str(tmp_path / "root" / "fashion-mnist"), str(tmp_path / "usr")):
        assert place in message
    assert "/usr/share/datasets/fashion-mnist" in datasets.FASHION_MNIST.system_dirs
    assert "apt-get install dataset-fashion-mnist" in message


def test_env_dir_is_searched(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTROGAN_DATA_DIR", str(shared_data))
    assert files.find_data_dir(datasets.MNIST, None) == str(shared_data / "mnist")


def test_partial_dir_names_missing_files(tmp_path, shared_data):
    shutil.copy(shared_data / "mnist" / "train-images-idx3-ubyte.gz", tmp_path)
    with pytest.raises(InputError, match="missing train-labels-idx1-ubyte.gz"):
        datasets.load_dataset("mnist", data_dir=str(tmp_path))


def test_load_real(shared_data):
    data = datasets.load_dataset("fashion-mnist", data_dir=str(shared_data / "fashion-mnist"))
    assert data.x_train.shape == (60000, 28, 28, 1) and data.x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(data.y_test).tolist() == [1000] * 10


def test_tfds_offline_matches_idx(shared_data, tmp_path):
    """TFDS builds MNIST from the local IDX files with no network (manual_dir)."""
    pytest.importorskip("tensorflow_datasets")
    via_tfds = datasets.load_dataset("mnist", data_dir=str(shared_data / "mnist"), data_source="tfds",
                                     tfds_data_dir=str(tmp_path / "tfds"))
    via_idx = datasets.load_dataset("mnist", data_dir=str(shared_data / "mnist"))
    assert via_tfds.x_train.shape == via_idx.x_train.shape
    # TFDS stores examples in its own shuffled order: compare the multisets of labels and a pixel checksum.
    assert np.array_equal(np.bincount(via_tfds.y_train), np.bincount(via_idx.y_train))
    assert int(via_tfds.x_test.astype(np.int64).sum()) == int(via_idx.x_test.astype(np.int64).sum())
    assert os.path.isdir(tmp_path / "tfds" / "mnist")


def test_tfds_without_files_fails_fast_offline(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(InputError, match="/nonexistent"):
        datasets.load_dataset("mnist", data_dir="/nonexistent", data_source="tfds", tfds_data_dir=str(tmp_path))
