"""The run's TensorBoard log: the one writer of its events and of their x axis.

The step of iteration i of session s is ``(s - 1) * iters + i``, so the sessions follow each other on one axis;
the end of session s is step ``s * iters``.  Tags (docs/evaluation.md#tensorboard): ``loss/<name>``,
``accuracy/all_seen``, ``accuracy/prefix_<k>``, ``ta_acc``, ``generated_accuracy/mean``,
``fid/<extractor>/mean`` and ``fid/<extractor>/class_<label>``, ``samples/session_<s>``, ``config``.
"""

import functools
import json

import numpy as np
import tensorflow as tf

from introgan_tf.errors import StorageError, os_error_text


def _writes(method):
    """A failed event write (disk full, ...) is a StorageError naming the directory; earlier events stay."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (tf.errors.OpError, OSError) as error:
            raise StorageError(f"cannot write TensorBoard events in {self.directory}: {os_error_text(error)}") from None
    return wrapper


class TensorBoardLog:
    """Writes one run's events under ``directory``.

    Args:
      directory: ``<result_dir>/tensorboard``.
      iters: iterations per session (the length of one session on the x axis).
    """

    @_writes
    def __init__(self, directory: str, iters: int):
        self.directory = directory
        self.writer = tf.summary.create_file_writer(directory)
        self.iters = int(iters)

    def step(self, session_index: int, iteration: int) -> int:
        return (session_index - 1) * self.iters + iteration

    @_writes
    def config(self, config: dict) -> None:
        with self.writer.as_default(step=0):
            tf.summary.text("config", "```\n" + json.dumps(config, indent=2) + "\n```")

    @_writes
    def losses(self, session_index: int, iteration: int, logs: dict) -> None:
        """The train step's running means (``fit``'s logs) as ``loss/<name>``."""
        with self.writer.as_default(step=self.step(session_index, iteration)):
            for name, value in logs.items():
                tf.summary.scalar(f"loss/{name}", float(np.asarray(value).reshape(-1)[0]))  # (1,) on workers

    @_writes
    def accuracy(self, session_index: int, iteration: int, prefixes, ta_acc: float) -> None:
        with self.writer.as_default(step=self.step(session_index, iteration)):
            tf.summary.scalar("accuracy/all_seen", prefixes[-1])
            for k, value in enumerate(prefixes, start=1):
                tf.summary.scalar(f"accuracy/prefix_{k}", value)
            tf.summary.scalar("ta_acc", ta_acc)

    @_writes
    def generation(self, session_index: int, metrics: dict, iteration: int = None) -> None:
        """Generated accuracy and (when computed) the per-class FID, at the end of a session by default."""
        with self.writer.as_default(step=self.step(session_index, self.iters if iteration is None else iteration)):
            tf.summary.scalar("generated_accuracy/mean", metrics["generated_accuracy_mean"])
            if "fid" in metrics:
                tag = f"fid/{metrics['fid_extractor']}"
                tf.summary.scalar(f"{tag}/mean", metrics["fid_mean"])
                for label, value in metrics["fid"].items():
                    tf.summary.scalar(f"{tag}/class_{label}", value)

    @_writes
    def samples(self, session_index: int, iteration: int, grid: np.ndarray) -> None:
        with self.writer.as_default(step=self.step(session_index, iteration)):
            tf.summary.image(f"samples/session_{session_index}", grid[None], max_outputs=1)

    @_writes
    def flush(self) -> None:
        self.writer.flush()
