"""Where and in what precision a run computes: ``--mixed_precision`` and ``--strategy`` (docs/design.md#scale).

* **Mixed precision** (Micikevicius et al., *Mixed Precision Training*, ICLR 2018): the Keras dtype policy
  ``mixed_bfloat16`` or ``mixed_float16`` for every layer built during the run.  Variables stay float32; the
  networks return their images, logits and embeddings in float32, and every loss, prototype distance and tracker
  is float32.  fp16 also wraps every optimiser in Keras' dynamic ``LossScaleOptimizer``.
* **Distribution** through ``tf.distribute``: ``default`` (one device), ``mirrored`` (every GPU of this machine,
  else every logical CPU device) or ``multi_worker`` (``MultiWorkerMirroredStrategy``; the cluster comes from the
  standard ``TF_CONFIG`` environment variable).  Models and optimisers are built inside the strategy's scope,
  which :func:`run_scope` opens for the whole run; the per-replica arithmetic is in
  ``methods/common/session_model.py``.
"""

import contextlib
import json
import os

import keras
import tensorflow as tf

from introgan_tf.config import MIXED_PRECISION_POLICIES, STRATEGIES
from introgan_tf.errors import InputError

PRECISIONS = MIXED_PRECISION_POLICIES


_STRATEGIES = {}  # one per kind and process: see make_strategy


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy of ``--strategy``, the same object for every run of this process.

    ``mirrored`` replicates over every GPU, or, without a GPU, over every logical CPU device (one unless the
    process configured more, as the tests do).  ``multi_worker`` needs ``TF_CONFIG``; it must be created before
    TensorFlow runs anything else in the process.  A second ``MirroredStrategy`` in one process numbers its
    collectives from the same keys as the first and its all-reduces then fail ("Shape mismatch in the collective
    instance 100"), so runs after the first (a sweep, a resume in the same process) reuse the first strategy.
    """
    if name != "default" and name in _STRATEGIES:
        return _STRATEGIES[name]
    strategy = _new_strategy(name)
    if name != "default":
        _STRATEGIES[name] = strategy
    return strategy


def _new_strategy(name: str) -> tf.distribute.Strategy:
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise InputError("--strategy=multi_worker: set TF_CONFIG (the cluster and this worker's task), "
                             "see the README")
        try:
            json.loads(os.environ["TF_CONFIG"])
        except ValueError as error:
            raise InputError(f"--strategy=multi_worker: TF_CONFIG is not JSON ({error})") from None
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise InputError(f"--strategy={name}: expected one of {', '.join(STRATEGIES)}")


def worker_index() -> int:
    """This process's worker index in ``TF_CONFIG`` (0 without one)."""
    spec = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = spec.get("task", {})
    return int(task.get("index", 0)) if task.get("type", "worker") in ("worker", "chief") else 0


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's files: always, except on the non-chief workers of multi_worker."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return strategy.cluster_resolver.task_id == 0
    return True


def num_replicas() -> int:
    """Replicas of the strategy in scope (1 without one)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


@contextlib.contextmanager
def run_scope(mixed_precision: str, strategy: tf.distribute.Strategy):
    """The dtype policy and the strategy's scope for everything built inside; the previous policy afterwards."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(PRECISIONS[mixed_precision])
    try:
        with strategy.scope():
            yield strategy
    finally:
        keras.config.set_dtype_policy(previous)


def wrap_optimizer(optimizer, mixed_precision: str):
    """fp16: the optimiser inside Keras' dynamic loss scaling (bf16 has float32's range: no scaling needed)."""
    if mixed_precision == "fp16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer

