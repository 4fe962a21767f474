"""results.json: the run's record, rewritten atomically after every evaluation.

Writes go to a temporary file in the same directory, are flushed to disk, then
renamed over the old file, so a run killed at any moment leaves either the old
or the new complete file -- never a corrupt one.
"""

import json
import os
import tempfile
from typing import Optional

from introgan_tf.errors import InputError


def atomic_write_text(path: str, text: str) -> None:
    """Writes ``text`` to ``path`` atomically (temporary file + fsync + rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp_", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_results(path: str) -> dict:
    """Reads a results.json, with a one-line error if it is missing or malformed."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: results file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path}: invalid JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("sessions"), list):
        raise InputError(f"{path}: not a results file (no 'sessions' list)")
    return data


class ResultsLog:
    """The in-memory results record and its file; it only carries data (the metrics come from evaluation/).

    Args:
      path: the results.json path.
      header: run-level fields (method, dataset, order_idx, nb_cl, config, ...).
    """

    def __init__(self, path: str, header: dict, existing: Optional[dict] = None):
        self.path = path
        self.data = dict(existing) if existing else dict(header, sessions=[], complete=False)
        self.data.update(header)

    def session(self, index: int) -> dict:
        return self.data["sessions"][index - 1]

    def start_session(self, record: dict) -> None:
        """Adds (or resets) the record of a session about to train from iteration 0."""
        sessions = self.data["sessions"]
        del sessions[record["index"] - 1:]
        sessions.append(dict(record, evaluations=[]))

    def truncate(self, index: int, iteration: int, record: Optional[dict] = None) -> None:
        """Keeps sessions < index and this session's evaluations up to ``iteration`` (resume).

        The session's end-of-session fields are dropped; its ``record`` (Session.as_record(), which a
        scenario may extend, e.g. with the permutation of a permuted-MNIST task) is kept.
        """
        sessions = self.data["sessions"]
        del sessions[index:]
        if len(sessions) == index:
            kept = {"index", "evaluations", "generation_evaluations", "new_classes", "seen_classes", *(record or {})}
            for key in ("evaluations", "generation_evaluations"):
                if key in sessions[-1]:
                    sessions[-1][key] = [e for e in sessions[-1][key] if e["iteration"] <= iteration]
            for key in [k for k in sessions[-1] if k not in kept]:
                del sessions[-1][key]
            sessions[-1].update(record or {})

    def add_evaluation(self, index: int, evaluation: dict) -> None:
        record = self.session(index)
        record["evaluations"] = [e for e in record["evaluations"] if e["iteration"] != evaluation["iteration"]]
        record["evaluations"].append(evaluation)
        record["accuracy"] = evaluation["accuracy"]

    def add_generation_evaluation(self, index: int, evaluation: dict) -> None:
        """Adds (or replaces) the generation metrics measured at ``evaluation["iteration"]`` within a session."""
        record = self.session(index).setdefault("generation_evaluations", [])
        record[:] = [e for e in record if e["iteration"] != evaluation["iteration"]] + [evaluation]
        self.write()

    def update_session(self, index: int, **fields) -> None:
        self.session(index).update(fields)
        self.write()

    def update(self, **fields) -> None:
        self.data.update(fields)
        self.write()

    def write(self) -> None:
        atomic_write_text(self.path, json.dumps(self.data, indent=2, sort_keys=False) + "\n")
