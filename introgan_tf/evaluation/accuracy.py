"""Accuracy protocols (docs/evaluation.md#accuracy).

Class-incremental (IntroGAN, He et al. 2024):

* balanced accuracy = mean per-class recall over the classes present;
* prefix accuracy A_k: test images with label < k*nb_cl, argmax over the first
  k*nb_cl logits only;
* TA-ACC = (1/T) sum_k [ 1/((T-k+1) E) sum_{s>=k} sum_e A_k(s, e) ].

Permuted MNIST (DGR, Shin et al. 2017): prefix k is the plain accuracy on the
test sets of tasks 1..k (the original's "precision").

Accuracies are fractions in [0, 1] (the original's summary files use percent).
"""

from typing import List, Sequence

import numpy as np


def balanced_accuracy(labels: np.ndarray, predictions: np.ndarray) -> float:
    """Mean over the classes present in ``labels`` of correct_c / n_c."""
    labels = np.asarray(labels)
    predictions = np.asarray(predictions)
    recalls = [np.mean(predictions[labels == c] == c) for c in np.unique(labels)]
    return float(np.mean(recalls)) if recalls else float("nan")


def prefix_accuracies(logits: np.ndarray, labels: np.ndarray, session_index: int, nb_cl: int) -> List[float]:
    """[A_1, ..., A_s] for session s: A_k over the first k*nb_cl classes (A_s = all seen)."""
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    result = []
    for k in range(1, session_index + 1):
        num = k * nb_cl
        mask = labels < num
        result.append(balanced_accuracy(labels[mask], np.argmax(logits[mask, :num], axis=1)))
    return result


def task_prefix_accuracies(logits: np.ndarray, labels: np.ndarray, num_tasks: int) -> List[float]:
    """[P_1, ..., P_s]: plain accuracy on the test sets of tasks 1..k (task-major input, equal task sizes)."""
    logits, labels = np.asarray(logits), np.asarray(labels)
    if len(labels) % num_tasks:
        raise ValueError(f"{len(labels)} test labels do not split into {num_tasks} equal tasks")
    per_task = len(labels) // num_tasks
    correct = np.argmax(logits, axis=1) == labels
    return [float(np.mean(correct[:k * per_task])) for k in range(1, num_tasks + 1)]


def session_prefix_accuracies(scenario, logits: np.ndarray, labels: np.ndarray, session) -> List[float]:
    """The prefix accuracies of ``session`` under the scenario's ``accuracy_protocol``; the last is "all seen"."""
    if scenario.accuracy_protocol == "class_prefixes":
        return prefix_accuracies(logits, labels, session.index, scenario.nb_cl)
    if scenario.accuracy_protocol == "task_prefixes":
        return task_prefix_accuracies(logits, labels, session.index)
    raise ValueError(f"unknown accuracy protocol {scenario.accuracy_protocol!r}")


def ta_acc(sessions: Sequence[dict]) -> float:
    """TA-ACC from the ``sessions`` records of results.json (docs/evaluation.md#ta-acc).

    Each session s holds ``evaluations`` with ``prefix_accuracies`` [A_1(s,e), ..., A_s(s,e)].
    T is the number of sessions given.
    """
    num_sessions = len(sessions)
    if num_sessions == 0:
        return float("nan")
    per_task = []
    for k in range(1, num_sessions + 1):
        values = [evaluation["prefix_accuracies"][k - 1]
                  for session in sessions[k - 1:] for evaluation in session["evaluations"]]
        per_task.append(np.mean(values))
    return float(np.mean(per_task))
