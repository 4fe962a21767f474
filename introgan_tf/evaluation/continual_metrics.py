"""Continual-learning summaries computed from the ``sessions`` list of ``results.json``.

Each session entry holds ``index`` (1-based), ``seen_classes`` (original
labels, in training order), ``evaluations`` (each with ``prefix_accuracies``,
where entry k-1 is A_k(s, e), the balanced accuracy on the classes of task
prefix k, docs/evaluation.md#accuracy) and, after :func:`evaluate_generation`, ``fid``
keyed by original label.  Accuracies are fractions in [0, 1].
"""

from typing import List, Optional, Sequence

import numpy as np

from introgan_tf.evaluation import fid as fid_lib
from introgan_tf.evaluation.accuracy import ta_acc


def _ordered(sessions: Sequence[dict]) -> List[dict]:
    ordered = sorted(sessions, key=lambda session: int(session["index"]))
    if [int(s["index"]) for s in ordered] != list(range(1, len(ordered) + 1)):
        raise ValueError(f"session indices must be 1..T, got {[s['index'] for s in ordered]}")
    return ordered


def accuracy_matrix(sessions: Sequence[dict]) -> List[List[Optional[float]]]:
    """A[k-1][s-1] = A_k(s, E): prefix-k accuracy at the LAST evaluation of session s.

    Args:
      sessions: the ``sessions`` list of ``results.json``.

    Returns:
      T x T nested lists (JSON-ready), None where s < k or where a session has
      no evaluation yet.
    """
    ordered = _ordered(sessions)
    size = len(ordered)
    matrix: List[List[Optional[float]]] = [[None] * size for _ in range(size)]
    for s, session in enumerate(ordered, start=1):
        evaluations = session.get("evaluations") or []
        if not evaluations:
            continue
        prefix = evaluations[-1].get("prefix_accuracies") or []
        for k in range(1, min(s, len(prefix)) + 1):
            matrix[k - 1][s - 1] = float(prefix[k - 1])
    return matrix


def forgetting_per_task(sessions: Sequence[dict]) -> List[Optional[float]]:
    """Forgetting of each task prefix k < T: max_{k<=s<T} A_k(s) - A_k(T).

    This is the forgetting measure of Chaudhry et al. 2018 (*Riemannian Walk
    for Incremental Learning*, ECCV) applied to the recorded PREFIX accuracies
    A_k (classes of tasks 1..k, logits restricted to them) at each session's
    last evaluation, because per-task accuracies are not recorded.  Positive =
    forgotten.  None where a needed value is missing.
    """
    matrix = accuracy_matrix(sessions)
    size = len(matrix)
    values: List[Optional[float]] = []
    for k in range(1, size):
        earlier = [matrix[k - 1][s - 1] for s in range(k, size)]
        final = matrix[k - 1][size - 1]
        if final is None or any(value is None for value in earlier):
            values.append(None)
        else:
            values.append(max(earlier) - final)
    return values


def forgetting(sessions: Sequence[dict]) -> Optional[float]:
    """Average forgetting over tasks 1..T-1 (Chaudhry et al. 2018; see :func:`forgetting_per_task`).

    Returns None with fewer than two sessions or missing accuracies.
    """
    values = forgetting_per_task(sessions)
    if not values or any(value is None for value in values):
        return None
    return float(np.mean(values))


def ta_fid_from_sessions(sessions: Sequence[dict], nb_cl: int) -> Optional[float]:
    """TA-FID (docs/evaluation.md#ta-fid) from the per-class ``fid`` dicts of every session.

    Class order within a session is ``seen_classes`` (training order), so
    prefix k is the first k * nb_cl seen classes.  Returns None if any session
    lacks FID values (e.g. ``--skip_fid``), and NaN if any class's FID is NaN
    (a class an unconditional generator did not produce, generation_metrics.py):
    TA-FID is then undefined, not an average over the classes that were produced.
    """
    ordered = _ordered(sessions)
    if not ordered:
        return None
    per_session = []
    for session in ordered:
        fids = session.get("fid")
        seen = session.get("seen_classes")
        if not fids or not seen or any(str(c) not in fids for c in seen):
            return None
        per_session.append([float(fids[str(c)]) for c in seen])
    if np.isnan(np.concatenate([np.asarray(values) for values in per_session])).any():
        return float("nan")
    return fid_lib.ta_fid(per_session, nb_cl)


def run_summary(sessions: Sequence[dict], nb_cl: int) -> dict:
    """The run-level fields of results.json over the sessions so far: TA-ACC, the accuracy matrix, forgetting,
    the end-of-session accuracies and, once every session has FID, TA-FID and its extractor."""
    fields = dict(ta_acc=ta_acc(sessions), accuracy_matrix=accuracy_matrix(sessions), forgetting=forgetting(sessions),
                  end_of_session_accuracy=[s.get("accuracy") for s in sessions])
    if sessions and all("fid" in s for s in sessions):
        fields.update(ta_fid=ta_fid_from_sessions(sessions, nb_cl), fid_extractor=sessions[-1]["fid_extractor"])
    return fields
