"""Inference helpers: a function traced once per session model, applied batch by batch.

Every session builds a new Keras model, so a traced function is only valid for the model it was traced for;
:class:`PerModel` re-traces when the model changes and otherwise reuses the trace (one trace for every batch
size when the builder gives an input signature).
"""

from typing import Callable

import numpy as np

from introgan_tf.data.pipeline import INFERENCE_BATCH


def batched(fn, *arrays, batch_size: int = INFERENCE_BATCH):
    """``fn`` applied to aligned slices of ``arrays`` (``batch_size`` rows each); the numpy results concatenated
    (a tuple of concatenations when ``fn`` returns a tuple)."""
    outputs = list(batch_by_batch(fn, *arrays, batch_size=batch_size))
    if outputs and isinstance(outputs[0], tuple):
        return tuple(np.concatenate([np.asarray(o[k]) for o in outputs]) for k in range(len(outputs[0])))
    return np.concatenate([np.asarray(o) for o in outputs]) if outputs else np.zeros((0,))


def batch_by_batch(fn, *arrays, batch_size: int = INFERENCE_BATCH):
    """``fn`` applied to aligned slices of ``arrays`` (``batch_size`` rows each), one result at a time (a
    generator): what :func:`batched` concatenates, for a consumer that need never hold it all."""
    for i in range(0, len(arrays[0]), batch_size):
        yield fn(*(array[i:i + batch_size] for array in arrays))


class PerModel:
    """``build(model) -> callable``, called again only when a different model is passed.

    Example: ``classify = PerModel(lambda m: tf.function(m.classify, input_signature=...))``, then
    ``classify(self.model)(images)`` traces once per session.
    """

    def __init__(self, build: Callable):
        self.build = build
        self.model = None
        self.function = None

    def __call__(self, model):
        if model is not self.model:
            self.model, self.function = model, self.build(model)
        return self.function
