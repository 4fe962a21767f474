"""Deep Generative Replay, reference protocol (``dgr``; docs/methods.md#dgr).

Shin, Lee, Kim, Kim, *Continual Learning with Deep Generative Replay*, NIPS 2017, as the unofficial
``kuc2477/pytorch-deep-generative-replay`` runs it.  A scholar (WGAN-GP generator + critic, CNN solver with one
head over every class; networks.py) is trained task after task; the math of a task is in model.py.  Per task:

1. the generator for ``generator_iterations`` iterations, then the solver for ``solver_iterations``, inside one
   ``fit`` of ``iters`` = their sum, on the new data mixed with replay (``--replay_mode``): none;
   ``exact-replay``, the real training data of every earlier task as a second stream; or ``generative-replay``,
   samples of the previous scholar's generator labelled by its solver;
2. at the end, a frozen copy of the scholar becomes the previous scholar.

Unlike the other methods, the networks and the three Adams are created once and continue across tasks.  The
generator is trained in every replay mode: the original trains it only for generative replay or with
``--sample-log``; here every run has samples and generation metrics.

Runs on the class-incremental benchmark (classify: the head restricted to the seen classes) and on permuted
MNIST (data/permuted.py).  The generator is unconditional (``conditional = False``): ``sample(labels)`` keeps
the generated images the current solver assigns to each requested class (class_sampling.py), and raises
``ClassNotGenerated`` rather than substitute another class.
"""

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool
from introgan_tf.evaluation.generation_metrics import ClassNotGenerated
from introgan_tf.methods.base import ContinualMethod
from introgan_tf.methods.common.frozen import frozen_copy
from introgan_tf.methods.common.inference import PerModel, batched
from introgan_tf.methods.dgr.class_sampling import (CANDIDATE_CHUNK, CANDIDATES_PER_SAMPLE, CandidateStore,
                                                    candidate_noise, choose_noise)
from introgan_tf.methods.dgr.model import DGRModel, FrozenScholar
from introgan_tf.methods.dgr.networks import DGRCritic, DGRGenerator, DGRSolver

REPLAY_MODES = {"none": None, "exact-replay": "exact", "generative-replay": "generative"}


class DGR(ContinualMethod):
    """Scholar = unconditional WGAN-GP + CNN solver, trained with replay."""

    conditional = False  # one generator for every class; export.py exports generate(z) -> images, labels

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.replay_mode = REPLAY_MODES[config.dgr.replay_mode]
        self.networks = None     # (generator, critic, solver): the scholar, continued across tasks
        self.optimizers = None   # (g, d, s) Adams, created once
        self.previous = None     # FrozenScholar of the previous task (generative replay)
        self.replay_pool = None  # exact replay: the earlier tasks' real training data
        def traced(name):  # one trace per scholar for every batch size
            return PerModel(lambda model: tf.function(getattr(model, name), input_signature=[
                tf.TensorSpec([None, model.generator.z_dim], tf.float32)]))
        self._images, self._predict = traced("generate"), traced("predict_generated")
        self._store = CandidateStore(None)  # sample()'s memory for the current scholar

    # ---------------------------------------------------------------------------------------- helpers
    def new_networks(self):
        channels = self.info.image_shape[-1]
        return DGRGenerator(channels), DGRCritic(channels), DGRSolver(self.info.num_classes, channels)

    def make_model(self, session, replay) -> DGRModel:
        model = DGRModel(*self.networks, self.config.dgr, self.config.train, session.num_seen, replay=replay,
                         previous=self.previous if replay == "generative" else None,
                         seed=self.session_seed(session), image_shape=self.info.image_shape)
        model.compile(*self.optimizers, jit_compile=self.use_xla())
        return model

    def start(self, fresh: bool) -> None:
        """Creates the scholar and the optimisers (first task, or a model about to be restored)."""
        if fresh or self.networks is None:
            self.networks = self.new_networks()
            self.optimizers = (self.adam(), self.adam(), self.adam())

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        self.timings = {}
        self.start(fresh=False)
        self.pool = make_pool([self.scenario.train_data(session)])
        self.replay_pool = None
        if self.replay_mode == "exact" and session.index > 1:
            earlier = self.scenario.sessions[:session.index - 1]
            self.replay_pool = make_pool([self.scenario.train_data(s) for s in earlier])
        self.model = self.make_model(session, self.replay_mode if session.index > 1 else None)

    def build_session_model(self, session) -> None:
        # Only restored into (a later begin_session builds the model that trains): no replay needed.
        self.start(fresh=True)
        self.model = self.make_model(session, replay=None)

    def end_session(self, session) -> None:
        super().end_session(session)
        self.networks = (self.model.generator, self.model.critic, self.model.solver)
        if self.replay_mode == "generative":
            generator, _, solver = self.networks
            self.previous = FrozenScholar(frozen_copy(generator), frozen_copy(solver), session.num_seen)

    def train_dataset(self, session, seed: int) -> tf.data.Dataset:
        return self.model.train_dataset(self.pool, seed, self.replay_pool)

    def checkpoint_objects(self) -> dict:
        g_optimizer, d_optimizer, s_optimizer = self.optimizers
        objects = {"model": self.model, "g_optimizer": g_optimizer, "d_optimizer": d_optimizer,
                   "s_optimizer": s_optimizer}
        if self.previous is not None:  # generative replay after a task
            objects.update(previous_generator=self.previous.generator, previous_solver=self.previous.solver)
        return objects

    def summary(self) -> dict:
        return {"replay_mode": self.config.dgr.replay_mode,
                "replay": self.model.replay or "none",
                "pool_size": self.pool_size(),
                "replay_pool_size": int(len(self.replay_pool[0])) if self.replay_pool is not None else 0,
                "optimizer_steps": {name: int(optimizer.iterations.numpy())
                                    for name, optimizer in zip("gds", self.optimizers)}}

    # ---------------------------------------------------------------------------------------- inference
    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        """Images in [-1, 1] that the current solver assigns to ``labels`` (an unconditional generator).

        Generated candidates are kept for the class the solver predicts for them, examining at most
        CANDIDATES_PER_SAMPLE per requested image (see class_sampling.choose_noise for the early give-up).
        Without ``z`` (evaluation) the candidates come from the session's sampling generator, surplus ones are
        kept for later calls, and a class that cannot be filled raises ClassNotGenerated.  With ``z`` (the
        fixed-noise grid) the candidates are the distinct rows of ``z`` followed by draws seeded by the run
        seed, and cells of a class that cannot be filled stay blank (-1): another class is never shown in its
        place.
        """
        labels = np.asarray(labels, np.int32)
        if not len(labels):
            return np.zeros((0,) + tuple(self.info.image_shape), np.float32)
        budget = CANDIDATES_PER_SAMPLE * len(labels)
        chunk = min(CANDIDATE_CHUNK, 2 * len(labels))  # the solver is costly: stop soon after the request is met
        predict = self._predict(self.model)
        if z is None:
            key = (id(self.model), self.iteration)
            if self._store.key != key:  # the scholar changed: earlier predictions are stale
                self._store = CandidateStore(key)
            noise, filled, examined = choose_noise(
                predict, self.z_dim, labels, candidate_noise(self.sample_rng, self.z_dim, budget, chunk), budget,
                self._store)
            if not filled.all():
                missing = int(labels[~filled][0])
                raise ClassNotGenerated(missing, int(np.sum(labels[filled] == missing)),
                                        int(np.sum(labels == missing)), examined)
        else:
            z = np.asarray(z, np.float32)
            _, first = np.unique(z, axis=0, return_index=True)
            chunks = candidate_noise(np.random.default_rng(self.config.seed), self.z_dim, budget, chunk,
                                     z[np.sort(first)])
            noise, filled, _ = choose_noise(predict, self.z_dim, labels, chunks, budget,
                                            CandidateStore(None, keep=False))
        images = batched(self._images(self.model), noise, batch_size=CANDIDATE_CHUNK)
        images[~filled] = -1.0
        return images
