"""Releasing a finished session's traced training steps (docs/benchmarks.md, "Memory per session").

Every graph-mode trace of a ``tf.custom_gradient`` function registers its gradient function under a fresh name
("CustomGradient-<uid>") in TensorFlow's global gradient registry, and nothing ever removes it.  Keras'
optimisers all-reduce their gradients through such a function (``ReplicaContext.all_reduce``) in every compiled
step, so the registry kept every session's step graphs alive -- with the variables and constants they capture --
long after the session's model was gone: two more live graphs per IntroGAN session.

A registration is looked up only while its graph is differentiated, which happens while the step is traced;
once a session's model has finished training, the registrations made during the session are dead weight.
"""

import gc

from tensorflow.python.framework import ops as tf_ops

PREFIX = "CustomGradient-"


def _registry() -> dict:
    """TensorFlow's gradient registry (op type -> entry); {} where a TensorFlow version keeps it elsewhere."""
    registry = getattr(getattr(tf_ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else {}


def custom_gradient_names() -> frozenset:
    """The custom-gradient registrations that exist now (take it before a session starts)."""
    return frozenset(name for name in _registry() if name.startswith(PREFIX))


def release_session(model, before: frozenset) -> int:
    """Lets ``model``'s traced steps go once its session is over; returns the registrations dropped.

    Drops Keras' cached train / test / predict functions of ``model`` (a later ``fit`` would trace again) and
    the custom-gradient registrations made since ``before``, then collects the graphs' reference cycles, so the
    memory is free before the next session's set-up.
    """
    if model is not None:
        for name in ("train_function", "test_function", "predict_function"):
            if hasattr(model, name):
                setattr(model, name, None)
    registry = _registry()
    stale = [name for name in registry if name.startswith(PREFIX) and name not in before]
    for name in stale:
        del registry[name]
    gc.collect()
    return len(stale)
