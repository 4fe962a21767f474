"""The contract between a continual-learning method and the experiment loop.

A method is a plain Python object that lives for the whole run and builds a fresh, compiled ``keras.Model`` for
every session (its variables may grow, and the originals use fresh optimisers each session).  The loop only
calls the members below; everything session-specific happens in ``begin_session`` (cf. Avalanche's
``before_training_exp``).  The Keras model owns the math: ``train_step``, the layout of one ``fit`` element,
``classify`` and ``generate`` (methods/common/session_model.py); the driver owns what happens between sessions
(replay, growth, frozen copies, pools).
"""

import abc

import keras
import numpy as np
import tensorflow as tf

from introgan_tf.config import ExperimentConfig
from introgan_tf.data.dataset_info import DatasetInfo
from introgan_tf.methods.common.inference import PerModel, batched
from introgan_tf.runtime import wrap_optimizer

# Purposes of the per-session randomness: rng(session, purpose) and session_seed(session, purpose).
RNG_PROTOTYPES, RNG_GROWTH, RNG_SAMPLES, RNG_TRAIN, RNG_REPLAY = 1, 2, 3, 4, 5


class ContinualMethod(abc.ABC):
    """Base class of every registered method.

    Attributes set by ``begin_session``: ``model`` (a compiled SessionModel whose ``fit`` trains one iteration
    per element) and ``pool`` (the session's training images, uint8, and labels).

    ``generates = False`` marks a classifier-only method (the lower and upper bounds): the loop then skips sample
    grids and generation metrics, and the export has only the ``classify`` signature.  ``conditional = False``
    marks an unconditional generator (DGR): ``generate(z)`` takes no labels and per-class samples are the
    method's own business (``sample``).
    """

    generates = True
    conditional = True

    def __init__(self, config: ExperimentConfig, info: DatasetInfo, scenario):
        self.config = config
        self.info = info
        self.scenario = scenario
        self.model = None
        self.pool = None
        self.timings = {}  # seconds of the current session's set-up phases, reported in results.json
        self.sample_rng = np.random.default_rng(config.seed)  # fresh noise per sample() call; reset per session
        image_spec = tf.TensorSpec((None,) + tuple(info.image_shape), tf.float32)
        self._classify = PerModel(lambda model: tf.function(model.classify, input_signature=[image_spec]))
        self._generate = PerModel(lambda model: tf.function(model.generate, input_signature=[
            tf.TensorSpec((None, model.generator.z_dim), tf.float32), tf.TensorSpec((None,), tf.int32)]))

    def rng(self, session, purpose: int) -> np.random.Generator:
        """A numpy generator that depends only on (seed, session, purpose), so resume is reproducible."""
        return np.random.default_rng([self.config.seed, session.index, purpose])

    def session_seed(self, session, purpose: int = RNG_TRAIN) -> int:
        """A seed in [0, 2**31) derived from (seed, session, purpose).

        The session model's SeedGenerator (z, fake labels, GP mixing) gets ``RNG_TRAIN``: every session has its
        own noise sequence instead of replaying session 1's, and a resumed session the same one.  Its stateless
        draws use the seeds (this value, 0), (this value, 1), ...; the pool replay's noise is keyed by the
        ``RNG_REPLAY`` value, so it never coincides with a training batch's noise.
        """
        return int(np.random.SeedSequence([self.config.seed, session.index, purpose]).generate_state(1)[0] >> 1)

    def adam(self, learning_rate: float = None):
        """A fresh Adam with the run's settings (eps 1e-8 as TF1), at ``--adam_lr`` unless given."""
        train = self.config.train
        adam = keras.optimizers.Adam(train.adam_lr if learning_rate is None else learning_rate, train.adam_beta1,
                                     train.adam_beta2, train.adam_epsilon)
        return wrap_optimizer(adam, train.mixed_precision)  # fp16: dynamic loss scaling

    def use_xla(self) -> bool:
        """``--jit_compile``: auto means XLA on GPU only (on CPU it measured about 15x slower)."""
        mode = self.config.train.jit_compile
        return mode == "true" or (mode == "auto" and bool(tf.config.list_physical_devices("GPU")))

    # ---------------------------------------------------------------------------------------- session contract
    @abc.abstractmethod
    def begin_session(self, session) -> None:
        """Builds ``self.model`` (grown, compiled with fresh optimisers) and ``self.pool``."""

    @abc.abstractmethod
    def build_session_model(self, session) -> None:
        """Builds a model with the shapes of ``session``'s end state, ready to be restored."""

    def end_session(self, session) -> None:
        """Takes over the trained state (subclasses: the networks the next session starts from)."""
        self.reset_sampling(session)

    def reset_sampling(self, session, iteration=None) -> None:
        """Evaluation noise from (seed, session[, iteration]): the same samples whether or not a run was resumed."""
        key = [self.config.seed, session.index, RNG_SAMPLES] + ([int(iteration)] if iteration is not None else [])
        self.sample_rng = np.random.default_rng(key)

    def evaluates_at(self, iteration: int) -> bool:
        """Whether the accuracy is measured at this --test_interval point (DGR-ig: its solver phase only)."""
        del iteration
        return True

    def train_dataset(self, session, seed: int) -> tf.data.Dataset:
        """The infinite tf.data stream ``fit`` consumes this session (its layout is the model's)."""
        del session
        return self.model.train_dataset(self.pool, seed)

    def checkpoint_objects(self) -> dict:
        """Trackables saved in every checkpoint of the current session."""
        return {"model": self.model, "d_optimizer": self.model.d_optimizer, "g_optimizer": self.model.g_optimizer}

    def summary(self) -> dict:
        """Per-session diagnostics merged into the session's results.json record."""
        return {}

    # ---------------------------------------------------------------------------------------- inference
    @property
    def iteration(self) -> int:
        return int(self.model.iteration.numpy())

    @property
    def z_dim(self) -> int:
        return self.model.generator.z_dim

    def classify(self, images: np.ndarray) -> np.ndarray:
        """Logits [N, seen] for float images in [-1, 1] (new-label order)."""
        return batched(self._classify(self.model), images)

    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        """Images in [-1, 1] of the new-label ids ``labels``, in the model's generation batches.

        Without ``z``, fresh noise from the session's sampling generator (reproducible per session).
        """
        labels = np.asarray(labels, np.int32)
        if z is None:
            z = self.sample_rng.standard_normal((len(labels), self.z_dim)).astype(np.float32)
        return batched(self._generate(self.model), z, labels, batch_size=self.model.generation_batch)

    def export_functions(self):
        """(generate, classify) for the SavedModel: the model's own, or (None, classify) without a generator."""
        return (self.model.generate if self.generates else None), self.model.classify

    def pool_size(self) -> int:
        return int(len(self.pool[0])) if self.pool is not None else 0

    def release_training_data(self) -> None:
        """Drops the finished session's training pool (the loop calls it once the session's results are written).

        The next ``begin_session`` builds its own pool; holding the old one through that set-up (the replay, the
        growth) would add the old pool to the set-up's peak memory, and the pool grows with every session.
        """
        self.pool = None
