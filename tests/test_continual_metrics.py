"""Accuracy matrix, forgetting and TA-FID from a results.json sessions list."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402

from introgan_tf.evaluation import continual_metrics as cm  # noqa: E402


def _sessions():
    # Three sessions of nb_cl = 1; prefix_accuracies[k-1] = A_k(s, e).
    return [
        {"index": 1, "seen_classes": [3], "fid": {"3": 10.0},
         "evaluations": [{"iteration": 500, "accuracy": 0.5, "prefix_accuracies": [0.5]},
                         {"iteration": 1000, "accuracy": 1.0, "prefix_accuracies": [1.0]}]},
        {"index": 2, "seen_classes": [3, 7], "fid": {"3": 20.0, "7": 40.0},
         "evaluations": [{"iteration": 1000, "accuracy": 0.8, "prefix_accuracies": [0.9, 0.8]}]},
        {"index": 3, "seen_classes": [3, 7, 1], "fid": {"3": 30.0, "7": 50.0, "1": 70.0},
         "evaluations": [{"iteration": 1000, "accuracy": 0.6, "prefix_accuracies": [0.7, 0.75, 0.6]}]},
    ]


def test_accuracy_matrix_uses_last_evaluation():
    matrix = cm.accuracy_matrix(list(reversed(_sessions())))  # order of the list does not matter
    assert matrix == [[1.0, 0.9, 0.7], [None, 0.8, 0.75], [None, None, 0.6]]


def test_forgetting():
    # Task 1: max(1.0, 0.9) - 0.7 = 0.3; task 2: 0.8 - 0.75 = 0.05.
    assert cm.forgetting_per_task(_sessions()) == pytest.approx([0.3, 0.05])
    assert cm.forgetting(_sessions()) == pytest.approx(0.175)
    assert cm.forgetting(_sessions()[:1]) is None


def test_ta_fid_from_sessions():
    # FID_1 = 10, 20, 30 -> 20; FID_2 = 30, 40 -> 35; FID_3 = 50; TA-FID = 35.
    assert cm.ta_fid_from_sessions(_sessions(), nb_cl=1) == pytest.approx(35.0)
    sessions = _sessions()
    del sessions[1]["fid"]
    assert cm.ta_fid_from_sessions(sessions, nb_cl=1) is None
    assert cm.ta_fid_from_sessions([], nb_cl=1) is None


def test_bad_indices():
    sessions = _sessions()
    sessions[2]["index"] = 5
    with pytest.raises(ValueError, match="indices"):
        cm.accuracy_matrix(sessions)
