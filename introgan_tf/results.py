"""results.json: the run's record, rewritten atomically after every evaluation.

Writes go to a temporary file in the same directory, are flushed to disk, then
renamed over the old file, so a run killed at any moment -- or a write that
fails because the disk is full -- leaves either the old or the new complete
file, never a corrupt one.

The file is strict JSON (RFC 8259): a value that is not a finite number (the FID
of a class an unconditional generator never produced, say) is written as
``null``, and ``non_finite_values`` maps the JSON pointer (RFC 6901) of each such
value to what it was (``"NaN"``, ``"Infinity"``, ``"-Infinity"``); the reason
sits beside the value (e.g. ``classes_not_generated``).  :func:`read_results`
puts the values back, and also reads files of older versions with bare ``NaN``.
"""

import json
import math
import os
import tempfile
from typing import Optional

import numpy as np

from introgan_tf.errors import InputError, StorageError, os_error_text

NON_FINITE_KEY = "non_finite_values"


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Writes ``data`` to ``path`` atomically (temporary file + fsync + rename).

    Raises:
      StorageError: naming ``path`` and the OS's reason (e.g. "No space left on device"); ``path`` is unchanged.
    """
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp_", dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        raise StorageError(f"cannot write {path}: {os_error_text(error)}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def atomic_write_text(path: str, text: str) -> None:
    """Writes ``text`` to ``path`` atomically; see :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _pointer_part(key) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def strict_json_values(value, pointer: str = "", found: Optional[dict] = None):
    """(a copy of ``value`` with every non-finite float as None and numpy scalars as Python, {pointer: "NaN"...}).

    Tuples become lists, as JSON has them.
    """
    found = {} if found is None else found
    if isinstance(value, dict):
        return {key: strict_json_values(item, f"{pointer}/{_pointer_part(key)}", found)[0]
                for key, item in value.items()}, found
    if isinstance(value, (list, tuple)):
        return [strict_json_values(item, f"{pointer}/{k}", found)[0] for k, item in enumerate(value)], found
    if isinstance(value, (np.integer, np.bool_)):
        value = value.item()
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        value = float(value)
        if not math.isfinite(value):
            found[pointer] = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            return None, found
    return value, found


def dumps_strict(record: dict) -> str:
    """``record`` as RFC 8259 JSON: non-finite numbers as null, listed under ``non_finite_values``."""
    clean, found = strict_json_values({k: v for k, v in record.items() if k != NON_FINITE_KEY})
    if found:
        clean[NON_FINITE_KEY] = found
    return json.dumps(clean, indent=2, allow_nan=False) + "\n"


def _restore_non_finite(data: dict) -> dict:
    """Puts the values listed in ``non_finite_values`` back (NaN in memory, as the metrics compute them)."""
    for pointer, text in (data.pop(NON_FINITE_KEY, None) or {}).items():
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        target = data
        try:
            for part in parts[:-1]:
                target = target[int(part)] if isinstance(target, list) else target[part]
            last = int(parts[-1]) if isinstance(target, list) else parts[-1]
            if target[last] is None:
                target[last] = float(text.replace("Infinity", "inf"))
        except (KeyError, IndexError, ValueError, TypeError):
            continue  # a pointer the file no longer matches: the value stays null (missing)
    return data


def read_results(path: str) -> dict:
    """Reads a results.json, with a one-line error if it is missing or malformed.

    Values written as null with a ``non_finite_values`` entry come back as NaN / inf; an older file's bare
    ``NaN`` is read as NaN too (Python's json accepts it).
    """
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: results file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path}: invalid JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("sessions"), list):
        raise InputError(f"{path}: not a results file (no 'sessions' list)")
    return _restore_non_finite(data)


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
            if sessions[-1].get("evaluations"):  # as add_evaluation keeps it (a resume at the session's end
                sessions[-1]["accuracy"] = sessions[-1]["evaluations"][-1]["accuracy"]  # evaluates no more)

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
        atomic_write_text(self.path, dumps_strict(self.data))
