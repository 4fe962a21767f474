"""tf.data pipelines: shapes, ranges, determinism, pool mixing."""

import numpy as np
import pytest

from introgan_tf.data import pipeline


def take(dataset, n):
    return [(x.numpy(), y.numpy()) for x, y in dataset.take(n)]


def test_shapes_ranges_and_epoch_coverage():
    images = np.arange(10, dtype=np.uint8).reshape(10, 1, 1, 1) * 25
    labels = np.arange(10)
    batches = take(pipeline.make_train_dataset(images, labels, batch_size=3, seed=1), 6)
    for x, y in batches:
        assert x.shape == (3, 1, 1, 1) and x.dtype == np.float32 and y.dtype == np.int32
        assert x.min() >= -1.0 and x.max() <= 1.0
        np.testing.assert_allclose(x[:, 0, 0, 0], images[y, 0, 0, 0] / 127.5 - 1.0, rtol=1e-6)
    first_epoch = np.concatenate([y for _, y in batches[:3]])
    assert len(set(first_epoch.tolist())) == 9  # floor(10/3) batches, no repeats, remainder dropped


def test_deterministic_under_seed_and_reshuffled_each_epoch():
    images = np.zeros((20, 2, 2, 1), np.uint8)
    labels = np.arange(20)
    a = [y for _, y in take(pipeline.make_train_dataset(images, labels, 5, seed=7), 8)]
    b = [y for _, y in take(pipeline.make_train_dataset(images, labels, 5, seed=7), 8)]
    c = [y for _, y in take(pipeline.make_train_dataset(images, labels, 5, seed=8), 8)]
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))
    assert not np.array_equal(np.concatenate(a[:4]), np.concatenate(a[4:]))  # epoch 2 in another order


def test_small_pool_samples_with_replacement():
    images = np.zeros((3, 2, 2, 1), np.uint8)
    (x, y), = take(pipeline.make_train_dataset(images, np.array([0, 1, 2]), 8, seed=0), 1)
    assert x.shape[0] == 8 and set(y.tolist()) <= {0, 1, 2}


def test_make_pool_mixes_parts():
    real = (np.ones((4, 2, 2, 1), np.uint8), np.array([2, 2, 3, 3]))
    replay = (np.zeros((2, 2, 2, 1), np.uint8), np.array([0, 1]))
    empty = (np.zeros((0, 2, 2, 1), np.uint8), np.array([], np.int64))
    images, labels = pipeline.make_pool([real, replay, empty])
    assert images.shape == (6, 2, 2, 1) and labels.tolist() == [2, 2, 3, 3, 0, 1]
    with pytest.raises(TypeError):
        pipeline.make_pool([(np.zeros((1, 2, 2, 1), np.float32), np.array([0]))])


def test_quantize_truncates():
    assert pipeline.quantize_to_uint8(np.array([-1.0, 0.0, 0.999, 1.0, 1.5])).tolist() == [0, 127, 254, 255, 255]
