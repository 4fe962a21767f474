"""Permuted MNIST (DGR's domain-incremental scenario): fixed permutation per task, identical for train and test, labels unchanged."""

import json

import numpy as np
import pytest

from introgan_tf.config import ExperimentConfig
from introgan_tf.data.permuted import PermutedScenario, permute_pixels, task_permutations
from introgan_tf.evaluation.accuracy import session_prefix_accuracies


def make(num_tasks=3, seed=0, size=30):
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (size, 28, 28, 1), dtype=np.uint8)
    y = np.arange(size) % 10
    return PermutedScenario(x_train=x, y_train=y, x_test=x[:20].copy(), y_test=y[:20].copy(), num_tasks=num_tasks,
                            seed=seed)


def test_fixed_permutation_per_task_from_the_seed():
    first, again, other = make(seed=0), make(seed=0), make(seed=1)
    for a, b in zip(first.permutations, again.permutations):
        np.testing.assert_array_equal(a, b)
    assert len({p.tobytes() for p in first.permutations}) == 3  # distinct per task
    assert not np.array_equal(first.permutations[0], other.permutations[0])
    assert not np.array_equal(first.permutations[0], np.arange(784))  # task 1 is permuted too, as the original
    # The original's procedure: np.random.seed(seed), then one permutation per task in sequence.
    np.random.seed(0)
    expected = [np.random.permutation(784) for _ in range(3)]
    for a, b in zip(first.permutations, expected):
        np.testing.assert_array_equal(a, b)
    # More tasks keep the first tasks' permutations.
    np.testing.assert_array_equal(make(num_tasks=5).permutations[2], first.permutations[2])


def test_train_and_test_pixels_are_permuted_identically_and_labels_unchanged():
    scenario = make()
    for session in scenario.sessions:
        x_train, y_train = scenario.train_data(session)
        perm = scenario.permutations[session.index - 1]
        np.testing.assert_array_equal(y_train, scenario.y_train)
        flat = scenario.x_train.reshape(len(scenario.x_train), -1)
        np.testing.assert_array_equal(x_train.reshape(len(x_train), -1), flat[:, perm])
        # The test images are the first 20 training images: each task permutes them in the same way.
        x_test, y_test = scenario.test_data(session)
        tail = x_test[-20:]
        np.testing.assert_array_equal(tail, x_train[:20])
        np.testing.assert_array_equal(y_test, np.tile(scenario.y_test, session.index))
        np.testing.assert_array_equal(np.sort(x_train.reshape(30, -1), 1), np.sort(flat, 1))  # same pixel values


def test_test_data_is_task_major():
    scenario = make()
    x_test, _ = scenario.test_data(scenario.sessions[2])
    for t in range(3):
        expected = permute_pixels(scenario.x_test, scenario.permutations[t])
        np.testing.assert_array_equal(x_test[20 * t:20 * (t + 1)], expected)


def test_sessions_and_records():
    scenario = make()
    assert scenario.name == "permutated-mnist" and scenario.generation_metrics_apply is False
    assert scenario.class_order == tuple(range(10)) and scenario.nb_cl == 10
    for t, session in enumerate(scenario.sessions, start=1):
        assert session.index == t and session.num_seen == 10 and session.num_old == 0
        assert session.new_classes == session.new_original == session.seen_original == tuple(range(10))
        record = json.loads(json.dumps(session.as_record()))
        assert record == {"index": t, "new_classes": list(range(10)), "seen_classes": list(range(10)),
                          "permutation_seed": 0, "permutation_index": t - 1}
    assert scenario.class_train_images(3).shape == (3, 28, 28, 1)


def test_prefix_accuracies_are_plain_accuracy_over_tasks_1_to_k():
    scenario = make()
    labels = np.array([0, 1, 2, 3] * 3)
    predictions = np.array([0, 1, 2, 3,   0, 0, 2, 3,   9, 9, 9, 3])  # task 1: 4/4, task 2: 3/4, task 3: 1/4
    logits = np.eye(10)[predictions]
    assert session_prefix_accuracies(scenario, logits, labels, scenario.sessions[2]) == pytest.approx([1.0, 7 / 8, 8 / 12])
    with pytest.raises(ValueError):
        session_prefix_accuracies(scenario, logits[:11], labels[:11], scenario.sessions[2])


def test_permute_pixels_moves_every_channel_alike():
    images = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    perm = task_permutations(16, 1, 3)[0]
    out = permute_pixels(images, perm)
    for c in range(3):
        np.testing.assert_array_equal(out[..., c].reshape(2, 16), images[..., c].reshape(2, 16)[:, perm])


def test_the_experiment_hook_builds_it():
    from introgan_tf.data.dataset_info import DatasetSplits
    from introgan_tf.data.datasets import MNIST
    from introgan_tf.experiment import make_scenario
    x = np.zeros((10, 28, 28, 1), np.uint8)
    data = DatasetSplits(MNIST, x, np.arange(10), x, np.arange(10), "test")
    scenario = make_scenario(ExperimentConfig(method="dgr", experiment="permutated-mnist",
                                              mnist_permutation_number=4, mnist_permutation_seed=2), data)
    assert isinstance(scenario, PermutedScenario) and len(scenario.sessions) == 4 and scenario.seed == 2
