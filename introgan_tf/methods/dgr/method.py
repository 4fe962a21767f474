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
from introgan_tf.methods.base import ContinualMethod
from introgan_tf.methods.common.frozen import frozen_copy
from introgan_tf.methods.common.inference import PerModel
from introgan_tf.methods.dgr.class_sampling import SolverSampler
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
        self.sampler = SolverSampler(config.train.z_dim, info.image_shape, config.seed)

    # ---------------------------------------------------------------------------------------- helpers
    def new_networks(self):
        """The scholar; --z_dim and --dim are the original's --generator-z-size and generator / critic widths."""
        channels, train = self.info.image_shape[-1], self.config.train
        return (DGRGenerator(channels, z_dim=train.z_dim, dim=train.dim), DGRCritic(channels, dim=train.dim),
                DGRSolver(self.info.num_classes, channels))

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

    def release_training_data(self) -> None:
        super().release_training_data()
        self.replay_pool = None  # exact replay: rebuilt from the scenario's data by the next begin_session

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
        """Images in [-1, 1] that the current solver assigns to ``labels`` (class_sampling.SolverSampler)."""
        return self.sampler.sample(self._predict(self.model), self._images(self.model),
                                   (id(self.model), self.iteration), labels, self.sample_rng, z)
