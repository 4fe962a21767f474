"""Session checkpoints: ``checkpoints/session_<s>/`` with tf.train.CheckpointManager.

Each checkpoint holds the method's trackables (models, prototype memory,
optimisers, in-graph seed state, iteration counter) plus two bookkeeping
variables: the session iteration and whether the session's end-of-session work
(evaluation, export) is complete.  TensorFlow writes the checkpoint files
first and updates the ``checkpoint`` index atomically last, so a kill during a
save leaves the previous checkpoint valid.  No pickle is involved.
"""

import dataclasses
import os
import re
from typing import Optional

import tensorflow as tf

ITERATION_KEY = "session_iteration/.ATTRIBUTES/VARIABLE_VALUE"
COMPLETE_KEY = "session_complete/.ATTRIBUTES/VARIABLE_VALUE"


@dataclasses.dataclass(frozen=True)
class CheckpointInfo:
    """Where a checkpoint is and what it holds."""

    session: int
    path: str
    iteration: int
    complete: bool


class SessionCheckpointer:
    """Saves and finds per-session checkpoints under ``root``.

    Args:
      root: where checkpoints are written.
      read_root: where they are found and restored from (default ``root``); the non-chief workers of a
        multi-worker run write into a temporary directory but resume from the chief's checkpoints.
    """

    def __init__(self, root: str, read_root: Optional[str] = None):
        self.root = root
        self.read_root = read_root or root

    def session_dir(self, session_index: int) -> str:
        return os.path.join(self.root, f"session_{session_index}")

    def save(self, method, session_index: int, complete: bool) -> str:
        """Saves the method's current state; keeps only the newest checkpoint of the session."""
        checkpoint = tf.train.Checkpoint(session_iteration=tf.Variable(method.iteration, dtype=tf.int64),
                                         session_complete=tf.Variable(complete), **method.checkpoint_objects())
        manager = tf.train.CheckpointManager(checkpoint, self.session_dir(session_index), max_to_keep=1)
        # A number unique to (iteration, complete): never overwrite the file the index points to.
        return manager.save(checkpoint_number=2 * method.iteration + int(complete))

    def restore(self, method, info: CheckpointInfo) -> None:
        """Restores ``info`` into the method's current model (shapes must match)."""
        checkpoint = tf.train.Checkpoint(session_iteration=tf.Variable(0, dtype=tf.int64),
                                         session_complete=tf.Variable(False), **method.checkpoint_objects())
        checkpoint.restore(info.path).assert_existing_objects_matched()

    def info(self, session_index: int) -> Optional[CheckpointInfo]:
        """The newest checkpoint of a session, or None."""
        path = tf.train.latest_checkpoint(os.path.join(self.read_root, f"session_{session_index}"))
        if path is None:
            return None
        reader = tf.train.load_checkpoint(path)
        return CheckpointInfo(session_index, path, int(reader.get_tensor(ITERATION_KEY)),
                              bool(reader.get_tensor(COMPLETE_KEY)))

    def latest(self) -> Optional[CheckpointInfo]:
        """The newest checkpoint of the highest session that has one."""
        if not os.path.isdir(self.read_root):
            return None
        indices = sorted((int(m.group(1)) for m in map(re.compile(r"session_(\d+)$").match,
                                                       os.listdir(self.read_root))
                          if m), reverse=True)
        for index in indices:
            found = self.info(index)
            if found is not None:
                return found
        return None
