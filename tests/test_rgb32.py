"""MNIST / Fashion-MNIST rendered as 32x32x3 (data/rgb32.py): exact padding and replication, its own registry
names, and MNIST's folder found by the usual search order."""

import numpy as np
import pytest

from introgan_tf.data import datasets, files
from introgan_tf.data.rgb32 import render_rgb32


def test_render_pads_and_replicates_exactly():
    rng = np.random.default_rng(0)
    grey = rng.integers(1, 256, size=(5, 28, 28, 1)).astype(np.uint8)  # no zero inside: the border shows
    rgb = render_rgb32(grey)
    assert rgb.shape == (5, 32, 32, 3) and rgb.dtype == np.uint8
    for channel in range(3):
        assert np.array_equal(rgb[:, 2:30, 2:30, channel], grey[..., 0])
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    assert not rgb[:, border, :].any()
    with pytest.raises(ValueError, match="28, 28, 1"):
        render_rgb32(rgb)


def test_registry_names_and_shapes():
    for base in ("mnist", "fashion-mnist"):
        info = datasets.get_dataset_info(f"{base}-rgb32")
        assert info.image_shape == (32, 32, 3) and info.num_classes == 10
        assert info.files_dir == base and info.replay_per_class == datasets.get_dataset_info(base).replay_per_class


def test_real_mnist_rendered(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTROGAN_DATA_DIR", str(shared_data))
    assert files.find_data_dir(datasets.MNIST_RGB32, None) == str(shared_data / "mnist")
    rgb = datasets.load_dataset("mnist-rgb32")
    grey = datasets.load_dataset("mnist", data_dir=str(shared_data / "mnist"))
    assert rgb.info.name == "mnist-rgb32" and rgb.x_test.shape == (10000, 32, 32, 3)
    assert np.array_equal(rgb.x_test[:, 2:30, 2:30, 1], grey.x_test[..., 0])
    assert np.array_equal(rgb.y_train, grey.y_train)
