"""Keras callbacks of one session's ``fit``: losses to TensorBoard, periodic
evaluation (every ``test_interval`` iterations and at the end), periodic
checkpoints (every ``save_interval``) and sample grids (every ``sample_interval``).
It also times the training steps apart from that work, for the speed figures,
and guards against non-finite losses (``--nan_policy``, docs/faults.md).
"""

import math
import time

import keras
import numpy as np

WARMUP_STEPS = 10  # steps excluded from the steady-state speed (tracing, first allocations)


class SessionMonitor(keras.callbacks.Callback):
    """Drives everything that happens between training steps of a session.

    Args:
      start_iteration: iterations already done in this session (resume).
      iters: iterations of the session.
      train_config: TrainConfig (intervals, log_every).
      log_losses: callable(iteration, logs) -> None, writes the step's running means (TensorBoard).
      evaluate: callable(iteration) -> None, run at evaluation points.
      save: callable() -> None, run at save points that are not the session end.
      write_samples: callable(iteration) -> None, run at sample points.
      evaluate_generation: callable(iteration) -> None, run every ``generation_interval`` iterations before the
        session end (the end-of-session generation metrics are the loop's).
      generation_interval: 0 for none.
      nan_policy: "stop": the first step whose logged losses are not all finite (or a save point whose weights
        are not) ends ``fit`` before anything else runs at that step -- no evaluation, no sample, no checkpoint
        of the broken model -- and ``non_finite`` records where; "ignore": no check.
      weights_finite: callable() -> bool, checked before every checkpoint under "stop" (a NaN gradient of the
        last step shows in the weights before it shows in a loss).
    """

    def __init__(self, start_iteration, iters, train_config, log_losses, evaluate, save, write_samples,
                 evaluate_generation=None, generation_interval=0, nan_policy="stop", weights_finite=None):
        super().__init__()
        self.nan_policy = nan_policy
        self.weights_finite = weights_finite
        self.non_finite = None  # {"iteration": i, "losses": [names]} once training was stopped
        self.evaluate_generation = evaluate_generation
        self.generation_interval = generation_interval
        self.start_iteration = start_iteration
        self.iters = iters
        self.cfg = train_config
        self.log_losses = log_losses
        self.evaluate = evaluate
        self.save = save
        self.write_samples = write_samples
        self.side_seconds = 0.0  # evaluation, checkpoints, samples: not training
        self.warm_time = None
        self.warm_side = 0.0
        self.end_time = None

    def steady_iterations_per_second(self):
        """Training steps per second after the warm-up, excluding evaluation/saving/sampling time."""
        steps = self.iters - self.start_iteration - WARMUP_STEPS
        if self.warm_time is None or self.end_time is None or steps <= 0:
            return None
        return steps / (self.end_time - self.warm_time - (self.side_seconds - self.warm_side))

    def stop(self, iteration, names):
        self.non_finite = {"iteration": iteration, "losses": list(names)}
        self.model.stop_training = True  # Keras checks it after every step

    def on_train_batch_end(self, batch, logs=None):
        iteration = self.start_iteration + batch + 1
        if self.nan_policy == "stop":
            # The logs are the trackers' running means since the last reset, so a non-finite value of any step
            # since then shows here; this step is checked before its losses are logged or anything is saved.
            bad = [name for name, value in (logs or {}).items()
                   if not all(math.isfinite(v) for v in np.ravel(np.asarray(value, np.float64)))]
            if bad:
                self.stop(iteration, bad)
                return
        if iteration % self.cfg.log_every == 0 or iteration == self.iters:
            self.log_losses(iteration, logs or {})
            if iteration != self.iters:  # logged values are means over the last log_every steps
                for metric in self.model.metrics:
                    metric.reset_state()
        if batch + 1 == WARMUP_STEPS:
            self.warm_time, self.warm_side = time.perf_counter(), self.side_seconds
        if iteration == self.iters:
            self.end_time = time.perf_counter()
        started = time.perf_counter()
        if iteration % self.cfg.test_interval == 0 or iteration == self.iters:
            self.evaluate(iteration)
        if iteration % self.cfg.sample_interval == 0 and iteration != self.iters:
            self.write_samples(iteration)
        if self.generation_interval and iteration % self.generation_interval == 0 and iteration != self.iters:
            self.evaluate_generation(iteration)
        if iteration % self.cfg.save_interval == 0 and iteration != self.iters:
            if self.nan_policy == "stop" and self.weights_finite is not None and not self.weights_finite():
                self.stop(iteration, ["weights"])
                return
            self.save()
        self.side_seconds += time.perf_counter() - started
