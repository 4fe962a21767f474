"""Session checkpoints: ``checkpoints/session_<s>/ckpt-<n>`` (tf.train.Checkpoint), the newest few kept.

Each checkpoint holds the method's trackables (models, prototype memory,
optimisers, in-graph seed state, iteration counter) plus two bookkeeping
variables: the session iteration and whether the session's end-of-session work
(evaluation, export) is complete.  No pickle is involved.

Trust (docs/faults.md):

* ``tf.train.Checkpoint.write`` writes the shards into a temporary folder and
  merges them into place, the ``.index`` file last, so a kill or a full disk
  during a save leaves the previous checkpoints as they were; older ones are
  deleted only after a save succeeded, and the newest ``keep`` are kept
  (``--keep_checkpoints``, like ``tf.train.CheckpointManager``'s ``max_to_keep``);
* a checkpoint is used only after every tensor of it was read back (which
  checks TensorFlow's per-tensor CRC32C), so flipped bytes, a truncated or a
  missing shard make it fall back to the previous checkpoint, with one line
  saying so.  On ``--resume`` the unreadable files are renamed ``*.corrupt``
  (kept for inspection, never overwritten by the next save).
"""

import dataclasses
import glob
import os
import re
import shutil
from typing import List, Optional, Tuple

import tensorflow as tf

from introgan_tf.errors import InputError, StorageError, os_error_text

ITERATION_KEY = "session_iteration/.ATTRIBUTES/VARIABLE_VALUE"
COMPLETE_KEY = "session_complete/.ATTRIBUTES/VARIABLE_VALUE"
PREFIX = "ckpt-"
CORRUPT_SUFFIX = ".corrupt"
_INDEX = re.compile(r"ckpt-(\d+)\.index$")

# What TensorFlow raises for a file it cannot read or write; the message names the file.
IO_ERRORS = (tf.errors.OpError, OSError, ValueError)
# What the checkpoint reader raises for a damaged file: also IndexError ("Read less bytes than requested") for a
# truncated shard and KeyError for a file without our bookkeeping variables.
READ_ERRORS = IO_ERRORS + (IndexError, KeyError, RuntimeError)


@dataclasses.dataclass(frozen=True)
class CheckpointInfo:
    """Where a checkpoint is and what it holds."""

    session: int
    path: str
    iteration: int
    complete: bool


def checkpoint_files(prefix: str) -> List[str]:
    """The files of the checkpoint ``prefix`` (its .index and every .data shard)."""
    names = glob.glob(glob.escape(prefix) + ".index") + glob.glob(glob.escape(prefix) + ".data-*")
    return sorted(name for name in names if not name.endswith(CORRUPT_SUFFIX))


def read_checkpoint(prefix: str) -> Tuple[int, bool]:
    """(iteration, complete) of a checkpoint, after reading every tensor of it (CRC32C-checked).

    Raises:
      one of READ_ERRORS: tf.errors.DataLossError "Checksum does not match" (flipped bytes), NotFoundError (a
      missing shard), IndexError (a truncated shard), KeyError (not one of our checkpoints), ...
    """
    reader = tf.train.load_checkpoint(prefix)
    for name in reader.get_variable_to_shape_map():
        reader.get_tensor(name)
    return int(reader.get_tensor(ITERATION_KEY)), bool(reader.get_tensor(COMPLETE_KEY))


def _reason(error: BaseException) -> str:
    text = os_error_text(error)
    return text if len(text) <= 160 else text[:157] + "..."


class SessionCheckpointer:
    """Saves and finds per-session checkpoints under ``root``.

    Args:
      root: ``<result_dir>/checkpoints``.
      keep: checkpoints kept per session (the newest ones).
      log: callable(str) for the one-line notes about checkpoints that could not be read (default: print).
      read_root: where checkpoints are found and restored from (default ``root``); the non-chief workers of a
        multi-worker run write into a temporary directory but resume from the chief's checkpoints.
    """

    def __init__(self, root: str, keep: int = 2, log=None, read_root: Optional[str] = None):
        self.root = root
        self.read_root = read_root or root
        self.keep = max(1, int(keep))
        self.log = log or (lambda text: print(text, flush=True))

    def session_dir(self, session_index: int) -> str:
        return os.path.join(self.root, f"session_{session_index}")

    def numbers(self, session_index: int) -> List[int]:
        """Checkpoint numbers of a session whose .index exists, newest first."""
        directory = self.session_dir(session_index)
        if not os.path.isdir(directory):
            return []
        return sorted((int(m.group(1)) for m in map(_INDEX.match, os.listdir(directory)) if m), reverse=True)

    def save(self, method, session_index: int, complete: bool) -> str:
        """Saves the method's current state as a new checkpoint, then keeps only the newest ``keep``.

        Raises:
          StorageError: the write failed (e.g. the disk is full); the earlier checkpoints are untouched.
        """
        checkpoint = tf.train.Checkpoint(session_iteration=tf.Variable(method.iteration, dtype=tf.int64),
                                         session_complete=tf.Variable(complete), **method.checkpoint_objects())
        # A number unique to (iteration, complete): a save never writes over a checkpoint that may be the good one.
        prefix = os.path.join(self.session_dir(session_index), f"{PREFIX}{2 * method.iteration + int(complete)}")
        # restore() creates the checkpoint's save_counter, so it must be in the file for
        # assert_existing_objects_matched; write() saves it only once it exists (reading the property creates it).
        checkpoint.save_counter.assign(2 * method.iteration + int(complete))
        try:
            os.makedirs(self.session_dir(session_index), exist_ok=True)
            path = checkpoint.write(prefix)
        except IO_ERRORS as error:
            shutil.rmtree(prefix + "_temp", ignore_errors=True)  # the half-written shards, not a checkpoint
            raise StorageError(f"cannot write checkpoint {prefix}: {_reason(error)}") from None
        for number in self.numbers(session_index)[self.keep:]:
            for name in checkpoint_files(os.path.join(self.session_dir(session_index), f"{PREFIX}{number}")):
                try:
                    os.remove(name)
                except FileNotFoundError:
                    pass
        return path

    def restore(self, method, info: CheckpointInfo) -> None:
        """Restores ``info`` into the method's current model (shapes must match).

        Raises:
          InputError: the checkpoint does not fit the model (another method or other settings).
        """
        checkpoint = tf.train.Checkpoint(session_iteration=tf.Variable(0, dtype=tf.int64),
                                         session_complete=tf.Variable(False), **method.checkpoint_objects())
        try:
            checkpoint.restore(info.path).assert_existing_objects_matched()
        except (AssertionError, *IO_ERRORS) as error:
            raise InputError(f"{info.path}: cannot be restored into this run's model ({_reason(error)})") from None

    def info(self, session_index: int, quarantine: bool = False) -> Optional[CheckpointInfo]:
        """The newest checkpoint of a session that reads back whole, or None if the session has none.

        An unreadable checkpoint is reported in one line and the previous one is tried; with ``quarantine`` (on
        --resume) its files are renamed ``*.corrupt``.

        Raises:
          InputError: the session has checkpoints but none of them can be read (names the files).
        """
        rejected = []
        for number in self.numbers(session_index):
            prefix = os.path.join(self.session_dir(session_index), f"{PREFIX}{number}")
            try:
                iteration, complete = read_checkpoint(prefix)
            except READ_ERRORS as error:
                rejected.append(f"{prefix} ({_reason(error)})")
                self.log(f"[introgan_tf] warning: checkpoint {prefix} cannot be read ({_reason(error)}); "
                         f"trying the previous one")
                if quarantine:  # out of the way of the next save, kept for inspection
                    for name in checkpoint_files(prefix):
                        try:
                            os.replace(name, name + CORRUPT_SUFFIX)
                        except OSError:
                            pass
                continue
            if rejected:
                self.log(f"[introgan_tf] using checkpoint {prefix} (session {session_index}, iteration {iteration})")
            return CheckpointInfo(session_index, prefix, iteration, complete)
        if rejected:
            raise InputError(f"no checkpoint of session {session_index} can be read: {'; '.join(rejected)}. "
                             f"Delete {self.session_dir(session_index)} to train session {session_index} again "
                             f"from its start")
        return None

    def latest(self, quarantine: bool = False) -> Optional[CheckpointInfo]:
        """The newest readable checkpoint of the highest session that has one."""
        if not os.path.isdir(self.read_root):
            return None
        indices = sorted((int(m.group(1)) for m in map(re.compile(r"session_(\d+)$").match,
                                                       os.listdir(self.read_root))
                          if m), reverse=True)
        for index in indices:
            found = self.info(index, quarantine=quarantine)
            if found is not None:
                return found
        return None
