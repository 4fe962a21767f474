"""Growth by copy with noise (IntroGAN's growth, decisions (a) and (d) of docs/methods.md)."""

import numpy as np

from introgan_tf.methods.common.growth import noisy_copy
from introgan_tf.methods.introgan.growth import (DISTANCE_ROWS, center_distances, class_rows, grow_generator,
                                                most_confused_class, nearest_centers)
from introgan_tf.methods.introgan.networks import ConditionalGenerator


def test_growth_without_noise_keeps_old_outputs_and_copies_rows():
    old = ConditionalGenerator(2)
    new = grow_generator(old, 4, {2: 1, 3: 0}, np.random.default_rng(0), add_noise=False)
    z = np.random.default_rng(1).standard_normal((6, 100)).astype(np.float32)
    labels = np.array([0, 1, 0, 1, 1, 0], np.int32)
    np.testing.assert_allclose(np.asarray(new((z, labels))), np.asarray(old((z, labels))), atol=1e-6)
    # new class 2 is an exact copy of class 1, so it generates exactly what class 1 generates
    np.testing.assert_allclose(np.asarray(new((z, np.full(6, 2, np.int32)))), np.asarray(old((z, np.ones(6, np.int32)))),
                               atol=1e-6)
    np.testing.assert_array_equal(class_rows(new, [3]), class_rows(old, [0]))


def test_growth_with_noise_leaves_old_rows_untouched():
    old = ConditionalGenerator(2)
    before = class_rows(old, [0, 1]).copy()
    new = grow_generator(old, 4, {2: 1, 3: 1}, np.random.default_rng(0), noise_level=0.5)
    np.testing.assert_array_equal(class_rows(new, [0, 1]), before)  # decision (d)
    np.testing.assert_array_equal(class_rows(old, [0, 1]), before)
    delta = class_rows(new, [2])[0] - before[1]
    assert 0.3 * before[1].std() < delta.std() < 0.7 * before[1].std()
    assert not np.allclose(class_rows(new, [2]), class_rows(new, [3]))  # independent noise per new class


def test_fresh_rows_without_improved_finetune():
    old = ConditionalGenerator(2)
    new = grow_generator(old, 3, {}, None, copy_rows=False)
    assert new.g_input.get_weights()[0].shape == (103, 4096)
    np.testing.assert_array_equal(new.g_deconv1.get_weights()[0], old.g_deconv1.get_weights()[0])
    assert not np.allclose(new.g_input.get_weights()[0][:100], old.g_input.get_weights()[0][:100])


def test_noise_scales():
    row = np.array([0.0, 1.0, 2.0, 3.0])
    assert np.array_equal(noisy_copy(row, np.random.default_rng(0), 0.5, add_noise=False), row)
    assert np.array_equal(noisy_copy(np.ones(4), np.random.default_rng(0), 0.5), np.ones(4))  # std 0: no noise
    v1 = noisy_copy(np.linspace(0, 6, 10000), np.random.default_rng(0), 0.5, "v1")
    assert abs((v1 - np.linspace(0, 6, 10000)).std() - 0.5) < 0.02


def test_most_confused_is_mode_with_smallest_index_on_ties():
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    embeddings = np.array([[9.0, 0.0], [1.0, 0.0], [0.0, 9.0], [8.0, 1.0]])
    assert most_confused_class(embeddings, centers) == 1
    tie = np.array([[9.0, 0.0], [0.0, 9.0]])
    assert most_confused_class(tie, centers) == 1
    assert most_confused_class(iter([embeddings[:1], embeddings[1:]]), centers) == 1  # batch by batch


def test_nearest_centers_in_windows_equals_the_whole_array():
    """Windows of DISTANCE_ROWS rows (the last one overlapping) give the whole-array argmin, also for rows that
    are almost equidistant from two centres, where a rounding difference would flip the answer."""
    rng = np.random.default_rng(0)
    base, offset = rng.standard_normal(512), rng.standard_normal(512)
    centers = np.stack([base + offset, base - offset, base + 3 * offset]).astype(np.float32)
    across = rng.standard_normal((2 * DISTANCE_ROWS + 321, 512))
    across -= np.outer(across @ offset, offset) / (offset @ offset)  # orthogonal to offset: c0 and c1 tie
    embeddings = (base + across + 1e-4 * rng.standard_normal(across.shape) * offset).astype(np.float32)
    whole = np.argmin(center_distances(embeddings, centers), axis=1)
    assert set(np.unique(whole)) == {0, 1}  # the ties really are split both ways
    np.testing.assert_array_equal(nearest_centers(embeddings, centers), whole)
    np.testing.assert_array_equal(nearest_centers(embeddings[:DISTANCE_ROWS - 5], centers),
                                  whole[:DISTANCE_ROWS - 5])
    # Fed batch by batch (as the growth feeds D's embeddings), with batches that do and do not line up with the
    # windows: the same bits.
    for sizes in ([DISTANCE_ROWS] * 2 + [321], [DISTANCE_ROWS - 1, 2, 7, DISTANCE_ROWS + 311], [len(embeddings)]):
        batches = np.split(embeddings, np.cumsum(sizes)[:-1])
        np.testing.assert_array_equal(nearest_centers(iter(batches), centers), whole)
    short = np.split(embeddings[:DISTANCE_ROWS - 5], [100, 400])
    np.testing.assert_array_equal(nearest_centers(iter(short), centers), whole[:DISTANCE_ROWS - 5])
    assert nearest_centers(iter([]), centers).shape == (0,)
