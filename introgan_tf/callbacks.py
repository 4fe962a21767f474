"""Keras callbacks of one session's ``fit``: losses to TensorBoard, periodic
evaluation (every ``test_interval`` iterations and at the end), periodic
checkpoints (every ``save_interval``) and sample grids (every ``sample_interval``).
"""

import keras
import numpy as np
import tensorflow as tf


class SessionMonitor(keras.callbacks.Callback):
    """Drives everything that happens between training steps of a session.

    Args:
      start_iteration: iterations already done in this session (resume).
      iters: iterations of the session.
      train_config: TrainConfig (intervals, log_every).
      writer: tf.summary writer.
      global_offset: (session - 1) * iters, the x axis of TensorBoard.
      evaluate: callable(iteration) -> None, run at evaluation points.
      save: callable() -> None, run at save points that are not the session end.
      write_samples: callable(iteration) -> None, run at sample points.
    """

    def __init__(self, start_iteration, iters, train_config, writer, global_offset, evaluate, save, write_samples):
        super().__init__()
        self.start_iteration = start_iteration
        self.iters = iters
        self.cfg = train_config
        self.writer = writer
        self.global_offset = global_offset
        self.evaluate = evaluate
        self.save = save
        self.write_samples = write_samples

    def on_train_batch_end(self, batch, logs=None):
        iteration = self.start_iteration + batch + 1
        if iteration % self.cfg.log_every == 0 or iteration == self.iters:
            with self.writer.as_default(step=self.global_offset + iteration):
                for name, value in (logs or {}).items():
                    tf.summary.scalar(f"loss/{name}", float(np.asarray(value)))
            if iteration != self.iters:  # logged values are means over the last log_every steps
                for metric in self.model.metrics:
                    metric.reset_state()
        if iteration % self.cfg.test_interval == 0 or iteration == self.iters:
            self.evaluate(iteration)
        if iteration % self.cfg.sample_interval == 0 and iteration != self.iters:
            self.write_samples(iteration)
        if iteration % self.cfg.save_interval == 0 and iteration != self.iters:
            self.save()
