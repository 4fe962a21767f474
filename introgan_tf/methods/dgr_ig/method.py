"""DGR as the IntroGAN benchmark runs it (``dgr_ig``; docs/methods.md#dgr_ig).

Shin et al., *Continual Learning with Deep Generative Replay*, NIPS 2017, in the variant of ``TonyPod/IntroGAN``
``*_train_dgr.py`` -- the paper's "DGR" row.  Per session s:

1. pool = the new classes' real images and, for s > 1, N_rep x C_old unconditional samples of G_{s-1}, labelled
   by the previous solver's argmax over the old classes and quantised to uint8 (common/replay.py).  The original
   asks for 6,000 per old class on MNIST but its sampler returns one batch of 100: ``--replay_per_class 100``
   reproduces that, the default (the dataset's N_rep) is what it meant;
2. G and D continue from session s-1 (the generator does not grow: it is unconditional); the solver's class head
   grows by copy + noise from the most-confused old class, m(c) computed with the previous solver's head (the
   original computed it before restoring the head, and perturbed the old column: neither is reproduced);
3. one ``fit``: the GAN for ``generator_iterations``, then the solver for ``solver_iterations`` on the weighted
   pool (model.py); accuracy is evaluated during the solver phase only, as the original;
4. fresh Adams every session; the solver's at ``--solver_adam_lr`` (the original's flag was unused).

Per-class samples for FID and generated accuracy are the generated images the current solver assigns to the class
(dgr/class_sampling.py); a class it never predicts is reported, never substituted.
"""

import time

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, to_unit_range
from introgan_tf.layers.resolution import network_side
from introgan_tf.methods.base import RNG_GROWTH, RNG_REPLAY, ContinualMethod
from introgan_tf.methods.common.growth import grow_class_head, most_confused_by_logits
from introgan_tf.methods.common.inference import PerModel, batched
from introgan_tf.methods.common.replay import generate_unconditional_replay, replay_batch_size
from introgan_tf.methods.dgr.class_sampling import SolverSampler
from introgan_tf.methods.dgr_ig.model import DGRIGModel
from introgan_tf.methods.dgr_ig.networks import SIDES, CNNClassifier, SourceDiscriminator, make_generator


class DGRIG(ContinualMethod):
    """Unconditional DCGAN + growing CNN solver, with solver-labelled replay in a weighted pool."""

    conditional = False  # export.py exports generate(z) -> images, labels

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.generator = self.discriminator = self.solver = None  # session s-1's networks
        self.most_confused = {}
        self.replay_size = 0

        def traced(name):  # one trace per session model for every batch size
            return PerModel(lambda model: tf.function(getattr(model, name), input_signature=[
                tf.TensorSpec([None, model.generator.z_dim], tf.float32)]))
        self._images, self._predict = traced("generate"), traced("predict_generated")
        network_side(config.method, info.image_shape, SIDES)  # networks for the data's shape, or a one-line error
        self.sampler = SolverSampler(config.train.z_dim, info.image_shape, config.seed)

    def new_networks(self, num_classes: int):
        train, shape = self.config.train, self.info.image_shape
        return (make_generator(shape, train.z_dim, train.dim, self.config.method),
                SourceDiscriminator(shape, dim=train.dim), CNNClassifier(num_classes, shape, dim=train.dim))

    def grown_solver(self, session) -> CNNClassifier:
        growth = self.config.growth
        if not growth.improved_finetune:
            return grow_class_head(self.solver, session.num_seen, {}, None, copy_columns=False)
        solver = self.solver
        logits = tf.function(lambda x: solver(to_unit_range(x), training=False))
        self.most_confused = {c: most_confused_by_logits(batched(logits, self.scenario.class_train_images(c)))
                              for c in session.new_classes}
        return grow_class_head(self.solver, session.num_seen, self.most_confused, self.rng(session, RNG_GROWTH),
                               growth.improved_finetune_noise_level, growth.improved_finetune_type,
                               growth.improved_finetune_noise)

    def replay(self, session):
        """C_old x N_rep samples of G_{s-1}, labelled by the previous solver over the old classes."""
        generator, solver = self.generator, self.solver
        return generate_unconditional_replay(
            tf.function(lambda z: generator(z, training=False)), tf.function(lambda x: solver(x, training=False)),
            session.num_old * self.config.replay.replay_per_class, generator.z_dim,
            self.session_seed(session, RNG_REPLAY), replay_batch_size(generator, self.config))

    def make_model(self, session, generator, discriminator, solver) -> DGRIGModel:
        model = DGRIGModel(generator, discriminator, solver, session.num_old if session.index > 1 else 0,
                           self.config.dgr, self.config.train, seed=self.session_seed(session))
        model.compile(g_optimizer=self.adam(), d_optimizer=self.adam(),
                      s_optimizer=self.adam(self.config.dgr.solver_adam_lr), jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        self.timings, self.most_confused, self.replay_size = {}, {}, 0
        parts = [self.scenario.train_data(session)]
        first = session.index == 1 or self.generator is None
        if not first:
            started = time.time()
            parts.append(self.replay(session))
            self.replay_size = len(parts[-1][0])
            self.timings["replay_seconds"] = time.time() - started
        if first or not self.config.growth.finetune:
            networks = self.new_networks(session.num_seen)
        else:
            networks = (self.generator, self.discriminator, self.grown_solver(session))
        self.pool = make_pool(parts)
        self.model = self.make_model(session, *networks)

    def build_session_model(self, session) -> None:
        self.model = self.make_model(session, *self.new_networks(session.num_seen))

    def end_session(self, session) -> None:
        super().end_session(session)
        self.generator, self.discriminator, self.solver = (self.model.generator, self.model.discriminator,
                                                           self.model.solver)

    def evaluates_at(self, iteration: int) -> bool:
        """Accuracy is measured during the solver phase only (and at the session end), as the original."""
        return iteration > self.config.dgr.generator_iterations or iteration == self.config.train.iters

    def checkpoint_objects(self) -> dict:
        return dict(super().checkpoint_objects(), s_optimizer=self.model.s_optimizer)

    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        """Images in [-1, 1] that the current solver assigns to ``labels`` (class_sampling.SolverSampler)."""
        return self.sampler.sample(self._predict(self.model), self._images(self.model),
                                   (id(self.model), self.iteration), labels, self.sample_rng, z)

    def summary(self) -> dict:
        order = self.scenario.class_order
        return {"most_confused": {str(order[k]): int(order[v]) for k, v in self.most_confused.items()},
                "pool_size": self.pool_size(), "replay_size": self.replay_size,
                "dgr_ratio": self.config.dgr.dgr_ratio}
