"""The contract between a continual-learning method and the experiment loop.

A method is a plain Python object that lives for the whole run and builds a
fresh, compiled ``keras.Model`` for every session (its variables may grow, and
the original uses fresh optimisers each session).  The loop only calls the
members below; everything task-specific happens in ``begin_session``
(cf. Avalanche's ``before_training_exp``).
"""

import abc

import keras
import numpy as np
import tensorflow as tf

from introgan_tf.config import ExperimentConfig
from introgan_tf.data.datasets import DatasetInfo
from introgan_tf.data.scenario import ClassIncrementalScenario, Session


def batched(fn, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Applies ``fn`` (uint8 or float images -> tensor) batch by batch and concatenates the numpy results."""
    outputs = [np.asarray(fn(images[i:i + batch_size])) for i in range(0, len(images), batch_size)]
    return np.concatenate(outputs) if outputs else np.zeros((0,))


class ContinualMethod(abc.ABC):
    """Base class of every registered method.

    Attributes set by ``begin_session``: ``model`` (a compiled keras.Model whose
    ``fit`` trains one iteration per element) and ``pool`` (the session's
    training images, uint8, and labels).

    ``generates = False`` marks a classifier-only method (e.g. the bounds of
    baselines.md section 5): the loop then skips sample grids and generation
    metrics, and the export has only the ``classify`` signature.
    """

    generates = True
    conditional = True  # False: an unconditional generator, sampled per class through its classifier
    experiments = ("class-incremental",)  # the --experiment scenarios the method supports

    def __init__(self, config: ExperimentConfig, info: DatasetInfo, scenario: ClassIncrementalScenario):
        self.config = config
        self.info = info
        self.scenario = scenario
        self.model = None
        self.pool = None
        self.timings = {}  # seconds of the current session's set-up phases, reported in results.json

    def rng(self, session: Session, purpose: int) -> np.random.Generator:
        """A numpy generator that depends only on (seed, session, purpose), so resume is reproducible."""
        return np.random.default_rng([self.config.seed, session.index, purpose])

    @abc.abstractmethod
    def begin_session(self, session: Session) -> None:
        """Builds ``self.model`` (grown, compiled with fresh optimisers) and ``self.pool``."""

    @abc.abstractmethod
    def build_session_model(self, session: Session) -> None:
        """Builds a model with the shapes of ``session``'s end state, ready to be restored."""

    @abc.abstractmethod
    def end_session(self, session: Session) -> None:
        """Takes over the trained state (e.g. the generator used for the next session's replay)."""

    def train_dataset(self, session: Session, seed: int) -> tf.data.Dataset:
        """The infinite tf.data stream ``fit`` consumes this session."""
        from introgan_tf.data.pipeline import make_train_dataset
        images, labels = self.pool
        return make_train_dataset(images, labels, self.elements_per_step(), seed)

    def elements_per_step(self) -> int:
        return self.config.train.batch_size

    def adam(self):
        """A fresh Adam with the run's settings (eps 1e-8 as TF1); every session gets new ones (introgan.md 6)."""
        train = self.config.train
        return keras.optimizers.Adam(train.adam_lr, train.adam_beta1, train.adam_beta2, train.adam_epsilon)

    def use_xla(self) -> bool:
        """``--jit_compile``: auto means XLA on GPU only (on CPU it measured about 15x slower)."""
        mode = self.config.train.jit_compile
        return mode == "true" or (mode == "auto" and bool(tf.config.list_physical_devices("GPU")))

    @abc.abstractmethod
    def classify(self, images: np.ndarray) -> np.ndarray:
        """Logits [N, seen] for float images in [-1, 1] (new-label order)."""

    @abc.abstractmethod
    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        """Images in [-1, 1] for new-label ids ``labels``."""

    def summary(self) -> dict:
        """Per-session diagnostics merged into the session's results.json record."""
        return {}

    def checkpoint_objects(self) -> dict:
        """Trackables saved in every checkpoint of the current session."""
        return {"model": self.model, "d_optimizer": self.model.d_optimizer, "g_optimizer": self.model.g_optimizer}

    @property
    def iteration(self) -> int:
        return int(self.model.iteration.numpy())

    @property
    def z_dim(self) -> int:
        return self.model.generator.z_dim

    def export_functions(self):
        """(generate, classify(images) -> logits) as traceable callables.

        ``generate(z, internal_labels) -> images`` for a conditional generator; ``generate(z) -> images`` for
        a method with ``conditional = False`` (e.g. DGR: export.py adds its classifier's labels);
        None for a method with ``generates = False``.
        """
        model = self.model
        return (lambda z, labels: model.generator((z, labels), training=False),
                lambda images: model(images, training=False))
