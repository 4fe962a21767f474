"""What every per-session train model shares (the Keras side of the session contract in base.py).

* ``iteration``: the session's step counter, a checkpointed variable, so a resumed session knows where it
  is and the G step can be skipped at iteration 0 (introgan.md 6);
* ``seed_generator``: the in-graph randomness (z, fake labels, GP mixing), checkpointed with the model;
* ``trackers``: running means of the step's outputs, which ``fit`` logs and SessionMonitor writes to
  TensorBoard;
* optimisers built at compile time, so that a checkpoint restores into existing slot variables and no
  variable is created inside a ``tf.cond`` branch.
"""

from typing import Dict, Sequence, Tuple

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses


def accuracy(logits, labels):
    """Fraction of rows whose argmax is the label (a training diagnostic)."""
    return ops.mean(ops.cast(ops.equal(ops.argmax(logits, -1), ops.cast(labels, "int64")), "float32"))


class SessionModel(keras.Model):
    """Base of the per-session ``keras.Model``s; subclasses add the networks and ``train_step``.

    Args:
      tracker_names: the outputs of ``train_step`` to average and log.
      seed: seed of the in-graph SeedGenerator (None: the model draws nothing at random).
    """

    def __init__(self, tracker_names: Sequence[str], seed=None, **kwargs):
        super().__init__(**kwargs)
        self.iteration = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")
        if seed is not None:
            self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in tracker_names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def attach_optimizers(self, **optimizers: Tuple[keras.optimizers.Optimizer, list]) -> None:
        """``name=(optimizer, variables)``: sets ``self.<name>`` and builds it (once) for those variables."""
        for name, (optimizer, variables) in optimizers.items():
            setattr(self, name, optimizer)
            if not optimizer.built:
                optimizer.build(variables)

    def interpolation_penalty(self, score_fn, real, fakes):
        """WGAN-GP penalty of ``score_fn`` at x + alpha (x~ - x), alpha ~ U[0, 1] per sample (losses.py)."""
        alpha = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), seed=self.seed_generator)
        return losses.interpolated_gradient_penalty(score_fn, real, fakes, alpha)

    def report(self, values: Dict[str, tf.Tensor]) -> dict:
        """Updates the trackers with this step's values; returns every tracker's running mean."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}
