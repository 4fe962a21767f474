"""What every per-session train model shares (the Keras side of the session contract in methods/base.py).

* ``iteration``: the session's step counter, a checkpointed variable, so a resumed session knows where it is;
* **phases**: ``phase(iteration)`` names, on the host, the step variant that runs an iteration (e.g. no G step
  at iteration 0, since applying zero gradients would still advance Adam; DGR's solver phase); each variant is
  its own compiled function and ``phase_step(data, phase)`` receives the name as a Python string
  (``train_step(data)`` is the step after the first, what tests trace alone).  No optimiser
  update sits in a ``tf.cond``, which tf.distribute refuses (the optimiser's merge_call inside control flow);
* ``seed_generator``: the in-graph randomness (z, fake labels, GP mixing), checkpointed with the model;
* ``trackers``: running means of the step's outputs, which ``fit`` logs and the TensorBoard writer records;
* optimisers built at compile time, so that a checkpoint restores into existing slot variables and no variable
  is created inside a ``tf.cond`` branch;
* the **element layout**: one ``fit`` element feeds one whole iteration, ``batches_per_element`` real batches of
  ``batch_size`` rows (e.g. one per critic step), in the order the iteration consumes them, as the originals
  consume their data (compare_gan's ``num_sub_steps``).  The model builds its stream (``train_dataset``) and
  splits each element (``split_element``): the layout lives in one class.
* the **scale-out arithmetic** (``--strategy``, ``--mixed_precision``; docs/design.md#scale): under a strategy
  with R replicas ``batch_size`` is the per-replica batch B/R; every loss goes through :meth:`minimize`, which
  divides it by R (``optimizer.apply`` sums the replicas' gradients, so the update is the global batch's mean)
  and applies fp16 loss scaling; per-example noise comes from :meth:`normal` / :meth:`randint` /
  :meth:`uniform`, which draw the global batch's noise and keep this replica's rows, so that the replicas draw
  different noise and R replicas draw what one device draws.
* inference: ``classify(images)`` (logits over the seen classes) and, for generators, ``generate``; the session
  driver traces them once per model (methods/common/inference.py) and the export uses them as they are.
"""

from typing import Dict, Sequence, Tuple

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.data.pipeline import make_train_dataset
from introgan_tf.errors import InputError


def accuracy(logits, labels):
    """Fraction of rows whose argmax is the label (a training diagnostic)."""
    return ops.mean(ops.cast(ops.equal(ops.argmax(logits, -1), ops.cast(labels, "int64")), "float32"))


class SessionModel(keras.Model):
    """Base of the per-session ``keras.Model``s; subclasses add the networks, ``train_step`` and inference.

    Args:
      tracker_names: the outputs of ``train_step`` to average and log.
      batch_size: B, rows of one real batch of the global batch (``self.batch_size`` is a replica's share).
      batches_per_element: real batches one iteration consumes (one ``fit`` element holds them all).
      seed: seed of the in-graph SeedGenerator (None: the model draws nothing at random).
    """

    # Samples per generator call at inference time; conditional batch norm makes this part of the model.
    generation_batch = 1000

    def __init__(self, tracker_names: Sequence[str], batch_size: int, batches_per_element: int = 1, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        # Assigned in the step by every replica with the same value: the first replica's update is kept.
        self.iteration = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration",
                                     aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        if seed is not None:
            self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in tracker_names}
        self.num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if int(batch_size) % self.num_replicas:
            raise InputError(f"--batch_size={batch_size}: must be a multiple of the {self.num_replicas} replicas "
                             f"of --strategy")
        self.global_batch_size = int(batch_size)
        self.batch_size = self.global_batch_size // self.num_replicas
        self.batches_per_element = int(batches_per_element)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ----------------------------------------------------------------------------------------- phases
    def phase(self, iteration: int) -> str:
        """The step variant that runs ``iteration`` of the session (host side; default: the same for all)."""
        del iteration
        return "train"

    def phase_step(self, data, phase):
        """One iteration of ``phase`` on one ``fit`` element; models with one phase override ``train_step``."""
        del phase
        return self.train_step(data)

    def train_step(self, data):
        """One iteration outside ``fit``; models with phases override ``phase_step``.

        Called eagerly it runs the phase of the current ``iteration``, as ``fit`` would; traced (a test tracing
        the step alone, e.g. for XLA) it is the step of every iteration after the first (``phase(1)``), since a
        traced step cannot choose its phase from a variable's value.
        """
        if tf.executing_eagerly():
            return self.phase_step(data, self.phase(int(self.iteration.numpy())))
        return self.phase_step(data, self.phase(1))

    def fit(self, *args, **kwargs):
        self._host_iteration = None  # read from ``iteration`` at the first step (a restore may have moved it)
        return super().fit(*args, **kwargs)

    def make_train_function(self, force=False):
        """Keras' train function, one compiled step per phase, chosen on the host before every step.

        Each call of the train function runs one iteration (``steps_per_execution`` stays 1, keras#19246), so
        the host counts iterations itself and reads the ``iteration`` variable only at the first step of a
        ``fit``.
        """
        if self.train_function is not None and not force:
            return self.train_function
        if self.steps_per_execution != 1:
            raise InputError(f"steps_per_execution={self.steps_per_execution}: the session models run one "
                             f"iteration per call (phases are chosen on the host)")
        compiled = {}

        def train_function(iterator):
            if getattr(self, "_host_iteration", None) is None:
                self._host_iteration = int(self.iteration.numpy())
            phase = self.phase(self._host_iteration)
            if phase not in compiled:
                compiled[phase] = self._make_function(lambda data: self.phase_step(data, phase))
            outputs = compiled[phase](iterator)
            self._host_iteration += 1
            return outputs

        self.train_function = train_function
        return train_function

    # ----------------------------------------------------------------------------------------- element layout
    @property
    def element_rows(self) -> int:
        """Rows of one replica's part of a ``fit`` element: its share of every real batch of one iteration."""
        return self.batch_size * self.batches_per_element

    @property
    def global_element_rows(self) -> int:
        """Rows of one ``fit`` element: every real batch of one iteration."""
        return self.global_batch_size * self.batches_per_element

    def train_dataset(self, pool: Tuple, seed: int) -> tf.data.Dataset:
        """The infinite stream ``fit`` consumes: shuffled pool rows, ``global_element_rows`` per element."""
        images, labels = pool
        return make_train_dataset(images, labels, self.global_element_rows, seed)

    def for_replicas(self, dataset: tf.data.Dataset) -> tf.data.Dataset:
        """Reorders each element so that replica r's contiguous share holds rows r of every real batch.

        ``tf.distribute`` gives replica r the r-th contiguous 1/R of an element; an element is K real batches
        of B rows, so without this replica 0 would get whole batches instead of its B/R rows of each.
        """
        if self.num_replicas == 1:
            return dataset
        replicas, share = self.num_replicas, self.batch_size

        def reorder(images, labels):
            def per_replica(x):
                shape = tf.shape(x)
                x = tf.reshape(x, tf.concat([[-1, replicas, share], shape[1:]], 0))  # [K, R, B/R, ...]
                x = tf.transpose(x, tf.concat([[1, 0, 2], tf.range(3, tf.rank(x))], 0))
                return tf.reshape(x, shape)
            return per_replica(images), per_replica(labels)
        return dataset.map(reorder)

    def split_element(self, images, labels, count=None):
        """The element's real batches [(images_k, labels_k)], k = 0..count-1 (default: all of them)."""
        size = self.batch_size
        return [(images[k * size:(k + 1) * size], labels[k * size:(k + 1) * size])
                for k in range(self.batches_per_element if count is None else count)]

    # ----------------------------------------------------------------------------------------- helpers
    def compile(self, optimizer=None, **kwargs):
        """Keras' compile with no default optimiser (the models attach their own); marks the model built.

        The networks build their variables when constructed, so ``fit`` must not run its symbolic build (which
        fails for a model without a data-shaped ``call``, and under MultiWorkerMirroredStrategy: keras#20585).
        """
        super().compile(optimizer=optimizer, **kwargs)
        self.built = True

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):  # pylint: disable=unused-argument
        """Nothing to build: see :meth:`compile`."""
        return

    def attach_optimizers(self, **optimizers: Tuple[keras.optimizers.Optimizer, list]) -> None:
        """``name=(optimizer, variables)``: sets ``self.<name>`` and builds it (once) for those variables."""
        for name, (optimizer, variables) in optimizers.items():
            setattr(self, name, optimizer)
            if not optimizer.built:
                optimizer.build(variables)

    def minimize(self, optimizer, tape, loss, variables, gradient_terms=None):
        """One update of ``variables`` on ``loss`` (this replica's batch mean), as one device on the global batch.

        Args:
          gradient_terms: optional callable(variables) -> terms added to the gradients, in the loss's units
            (DGR's weight decay); scaled like the loss.
        """
        scale = 1.0 / self.num_replicas
        scaled = loss
        with tape:  # the scaling must be on the tape, or the gradients are None
            if self.num_replicas > 1:
                scaled = scaled * scale
            if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):  # fp16: apply() unscales, skips infs
                scaled = optimizer.scale_loss(scaled)
                scale = scale * optimizer.dynamic_scale
        grads = tape.gradient(scaled, variables)
        if gradient_terms is not None:
            terms = gradient_terms(variables)
            if isinstance(scale, float) and scale == 1.0:
                grads = [grad + term for grad, term in zip(grads, terms)]
            else:
                grads = [grad + ops.cast(scale, term.dtype) * term for grad, term in zip(grads, terms)]
        optimizer.apply(grads, variables)

    # ----------------------------------------------------------------------------------------- noise
    def replica_rows(self, x):
        """This replica's rows of a global-batch tensor (all of it on one replica)."""
        if self.num_replicas == 1:
            return x
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        rows = ops.shape(x)[0] // self.num_replicas
        return x[replica * rows:(replica + 1) * rows]

    def _global_shape(self, shape):
        if self.num_replicas == 1:
            return tuple(shape)
        return (shape[0] * self.num_replicas,) + tuple(shape[1:])

    def normal(self, shape):
        """Per-example N(0, 1) noise of this replica's ``shape`` (rows drawn for the global batch)."""
        return self.replica_rows(keras.random.normal(self._global_shape(shape), seed=self.seed_generator))

    def uniform(self, shape, minval=0.0, maxval=1.0):
        """Per-example U[minval, maxval) noise of this replica's ``shape``."""
        return self.replica_rows(keras.random.uniform(self._global_shape(shape), minval, maxval,
                                                      seed=self.seed_generator))

    def randint(self, shape, minval, maxval):
        """Per-example integers in [minval, maxval) of this replica's ``shape``."""
        return self.replica_rows(keras.random.randint(self._global_shape(shape), minval, maxval,
                                                      seed=self.seed_generator))

    def interpolation_penalty(self, score_fn, real, fakes):
        """WGAN-GP penalty of ``score_fn`` at x + alpha (x~ - x), alpha ~ U[0, 1] per sample (losses.py)."""
        alpha = self.uniform((ops.shape(real)[0], 1, 1, 1))
        return losses.interpolated_gradient_penalty(score_fn, real, fakes, alpha)

    def report(self, values: Dict[str, tf.Tensor]) -> dict:
        """Updates the trackers with this step's values; returns every tracker's running mean."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return self.logs()

    def logs(self) -> dict:
        """Every tracker's running mean; shape (1,) under several workers (Keras' reduction rejects scalars there,
        tensorflow#72388)."""
        logs = {name: tracker.result() for name, tracker in self.trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def classify(self, images):
        """Logits [N, seen classes] of images in [-1, 1] of the dataset's shape (the prediction is the argmax)."""
        raise NotImplementedError

    def call(self, images, training=False):
        del training  # inference only: train_step calls the networks itself
        return self.classify(images)
