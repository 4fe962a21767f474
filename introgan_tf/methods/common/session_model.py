"""What every per-session train model shares (the Keras side of the session contract in methods/base.py).

* ``iteration``: the session's step counter, a checkpointed variable, so a resumed session knows where it is
  and the G step can be skipped at iteration 0 (applying zero gradients would still advance Adam);
* ``seed_generator``: the in-graph randomness (z, fake labels, GP mixing), checkpointed with the model;
* ``trackers``: running means of the step's outputs, which ``fit`` logs and the TensorBoard writer records;
* optimisers built at compile time, so that a checkpoint restores into existing slot variables and no variable
  is created inside a ``tf.cond`` branch;
* the **element layout**: one ``fit`` element feeds one whole iteration, ``batches_per_element`` real batches of
  ``batch_size`` rows (e.g. one per critic step), in the order the iteration consumes them, as the originals
  consume their data (compare_gan's ``num_sub_steps``).  The model builds its stream (``train_dataset``) and
  splits each element (``split_element``): the layout lives in one class.
* inference: ``classify(images)`` (logits over the seen classes) and, for generators, ``generate``; the session
  driver traces them once per model (methods/common/inference.py) and the export uses them as they are.
"""

from typing import Dict, Sequence, Tuple

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.data.pipeline import make_train_dataset


def accuracy(logits, labels):
    """Fraction of rows whose argmax is the label (a training diagnostic)."""
    return ops.mean(ops.cast(ops.equal(ops.argmax(logits, -1), ops.cast(labels, "int64")), "float32"))


class SessionModel(keras.Model):
    """Base of the per-session ``keras.Model``s; subclasses add the networks, ``train_step`` and inference.

    Args:
      tracker_names: the outputs of ``train_step`` to average and log.
      batch_size: B, rows of one real batch.
      batches_per_element: real batches one iteration consumes (one ``fit`` element holds them all).
      seed: seed of the in-graph SeedGenerator (None: the model draws nothing at random).
    """

    # Samples per generator call at inference time; conditional batch norm makes this part of the model.
    generation_batch = 1000

    def __init__(self, tracker_names: Sequence[str], batch_size: int, batches_per_element: int = 1, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.iteration = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")
        if seed is not None:
            self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in tracker_names}
        self.batch_size = int(batch_size)
        self.batches_per_element = int(batches_per_element)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ----------------------------------------------------------------------------------------- element layout
    @property
    def element_rows(self) -> int:
        """Rows of one ``fit`` element: every real batch of one iteration."""
        return self.batch_size * self.batches_per_element

    def train_dataset(self, pool: Tuple, seed: int) -> tf.data.Dataset:
        """The infinite stream ``fit`` consumes: shuffled pool rows, ``element_rows`` per element."""
        images, labels = pool
        return make_train_dataset(images, labels, self.element_rows, seed)

    def split_element(self, images, labels, count=None):
        """The element's real batches [(images_k, labels_k)], k = 0..count-1 (default: all of them)."""
        size = self.batch_size
        return [(images[k * size:(k + 1) * size], labels[k * size:(k + 1) * size])
                for k in range(self.batches_per_element if count is None else count)]

    # ----------------------------------------------------------------------------------------- helpers
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

    def classify(self, images):
        """Logits [N, seen classes] of images in [-1, 1] of the dataset's shape (the prediction is the argmax)."""
        raise NotImplementedError

    def call(self, images, training=False):
        del training  # inference only: train_step calls the networks itself
        return self.classify(images)
