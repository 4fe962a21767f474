"""MeRGAN, official protocol (``mergan``, baselines.md section 1).

Wu et al., *Memory Replay GANs: learning to generate images from new categories
without forgetting*, NeurIPS 2018 (reference code ``WuChenshen/MeRGAN``).  The
losses are in mergan_model.py; this module is the session logic:

* the label space is fixed at the dataset's class count from the start (1.1): the
  CondBN tables and the AC head never grow; ``classify`` slices the seen classes;
* ``sft`` / ``jtr`` / ``ra``: G and D continue across sessions; session s trains on
  the real images of its new classes only, with y~ uniform over them; after each
  session the trained G is copied into a frozen G_old that the next session's
  replay terms use (1.3).  "Task t" is generalised to ``nb_cl`` >= 1 classes per
  session: t = the number of old classes, n = floor(B / t) replay samples per class;
* ``joint`` (1.5, project variant): every session trains a fresh model from scratch
  on the real images of every seen class, y~ uniform over the seen classes;
* fresh Adams every session (1.4).

Accuracy is the argmax of the AC head over the seen classes.  The networks work at
32x32: MNIST is padded with -1 and generated images are cropped back to 28x28.
"""

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool
from introgan_tf.data.scenario import Session
from introgan_tf.errors import InputError
from introgan_tf.methods.base import ContinualMethod, batched
from introgan_tf.methods.mergan_model import MeRGANSessionModel
from introgan_tf.models.mergan_networks import MeRGANCritic, MeRGANGenerator
from introgan_tf.models.resolution import SIZE, frozen_copy

RNG_SAMPLES = 3  # purpose of the sampling noise generator (see ContinualMethod.rng)


def generator_sizes(generator) -> dict:
    return dict(num_classes=generator.num_classes, channels=generator.channels, z_dim=generator.z_dim)


class MeRGAN(ContinualMethod):
    """WGAN-GP AC-GAN with sequential fine-tuning, Replay Alignment or Joint Training with Replay."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        if config.train.mode != "wgan-gp":
            raise InputError(f"--mode={config.train.mode}: --method=mergan is a WGAN-GP (baselines.md 1.3); "
                             f"use --mode=wgan-gp")
        height, width, _ = info.image_shape
        if height > SIZE or width > SIZE:
            raise InputError(f"--dataset={config.dataset}: --method=mergan has 32x32 networks, the images are "
                             f"{height}x{width}")
        self.generator = None      # G after the last finished session (continued by sft / jtr / ra)
        self.critic = None         # D after the last finished session
        self.old_generator = None  # frozen copy of G, the replay source of the next session
        self.session = None        # the session whose model is current
        self.sample_rng = np.random.default_rng(config.seed)
        self._sample_fn = (None, None)    # (generator, its traced sampling function)
        self._classify_fn = (None, None)  # (model, its traced logits function)

    # ---------------------------------------------------------------------------------------- helpers
    @property
    def mode(self) -> str:
        return self.config.baseline.mergan_mode

    def new_networks(self):
        channels = self.info.image_shape[-1]
        return MeRGANGenerator(self.info.num_classes, channels), MeRGANCritic(self.info.num_classes, channels)

    def num_replayed(self, session: Session) -> int:
        """t: the old classes the session replays (none for sft and joint)."""
        return session.num_old if self.mode in ("ra", "jtr") else 0

    def replay_per_class(self, session: Session) -> int:
        """n = floor(B / t) samples per old class and replay term (baselines.md 1.3)."""
        t = self.num_replayed(session)
        return self.config.train.batch_size // t if t else 0

    def make_model(self, session: Session, generator, critic, old_generator) -> MeRGANSessionModel:
        fake_classes = range(session.num_seen) if self.mode == "joint" else session.new_classes
        model = MeRGANSessionModel(generator, critic, old_generator, fake_classes, self.num_replayed(session),
                                   session.num_seen, self.info.image_shape, self.config.baseline, self.config.train,
                                   seed=self.config.seed * 1000 + session.index)
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), jit_compile=self.use_xla())
        self.session = session
        return model

    def keeps_old_generator(self, session: Session) -> bool:
        """Whether the session's model holds G_old (every non-joint session after the first)."""
        return self.mode != "joint" and session.index > 1

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session: Session) -> None:
        self.timings = {}
        if self.replay_per_class(session) == 0 and self.num_replayed(session):
            raise InputError(f"--batch_size={self.config.train.batch_size}: --mergan_mode={self.mode} needs at "
                             f"least one replay sample for each of the {session.num_old} old classes")
        if self.mode == "joint":  # 1.5: from scratch on every seen class
            self.pool = make_pool([self.scenario.train_data(s) for s in self.scenario.sessions[:session.index]])
            self.model = self.make_model(session, *self.new_networks(), None)
            return
        self.pool = make_pool([self.scenario.train_data(session)])
        if self.generator is None:
            generator, critic = self.new_networks()
        else:
            generator, critic = self.generator, self.critic
        old = self.old_generator if self.keeps_old_generator(session) else None
        if old is None and self.keeps_old_generator(session):
            raise RuntimeError(f"session {session.index} began without the previous session's generator")
        self.model = self.make_model(session, generator, critic, old)

    def build_session_model(self, session: Session) -> None:
        """Empty model with the session's end-state structure (G, D, G_old where kept), to restore into."""
        generator, critic = self.new_networks()
        old = frozen_copy(generator, **generator_sizes(generator)) if self.keeps_old_generator(session) else None
        self.model = self.make_model(session, generator, critic, old)

    def end_session(self, session: Session) -> None:
        self.sample_rng = self.rng(session, RNG_SAMPLES)
        self.generator, self.critic = self.model.generator, self.model.critic
        # G_old for the next session: weights copied, not shared (1.3).
        self.old_generator = frozen_copy(self.generator, **generator_sizes(self.generator)) if self.mode != "joint" else None

    def elements_per_step(self) -> int:
        """Each fit element feeds the ``critic_iters`` critic steps of an iteration, B real images each."""
        return self.config.train.critic_iters * self.config.train.batch_size

    def checkpoint_objects(self) -> dict:
        objects = super().checkpoint_objects()
        if self.model.old_generator is not None:  # needed by RA / JTR after a mid-session resume
            objects["old_generator"] = self.model.old_generator
        return objects

    def classify(self, images: np.ndarray) -> np.ndarray:
        model, fn = self._classify_fn
        if model is not self.model:  # trace once per session's model, for every batch size
            model = self.model
            fn = tf.function(lambda x: model(x, training=False),
                             input_signature=[tf.TensorSpec((None,) + self.info.image_shape, tf.float32)])
            self._classify_fn = (model, fn)
        return batched(fn, images)

    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        """Images at the dataset's size, generated in batches of ``batch_size`` in the given label order.

        CondBN uses batch statistics, so the batch composition matters (introgan.md 3.2); the original
        evaluates single-class batches of 64 (1.6).
        """
        labels = np.asarray(labels, np.int32)
        if z is None:  # fresh noise on every call, reproducible per session
            z = self.sample_rng.standard_normal((len(labels), self.z_dim)).astype(np.float32)
        model, sample_fn = self._sample_fn
        if model is not self.model:
            model = self.model
            sample_fn = tf.function(model.generate, input_signature=[
                tf.TensorSpec([None, model.generator.z_dim], tf.float32), tf.TensorSpec([None], tf.int32)])
            self._sample_fn = (model, sample_fn)
        step = self.config.train.batch_size
        outputs = [np.asarray(sample_fn(z[i:i + step], labels[i:i + step])) for i in range(0, len(labels), step)]
        return np.concatenate(outputs) if outputs else np.zeros((0,) + self.info.image_shape, np.float32)

    def export_functions(self):
        model = self.model
        return model.generate, lambda images: model(images, training=False)

    def summary(self) -> dict:
        """Which variant ran, with its replay settings (results.json, per session)."""
        session = self.session
        record = {"mergan_mode": self.mode, "ra_factor": self.config.baseline.ra_factor,
                  "replayed_old_classes": self.num_replayed(session),
                  "replay_per_old_class": self.replay_per_class(session),
                  "pool_size": int(len(self.pool[0])) if self.pool is not None else 0}
        if self.mode == "joint":
            record["joint_classes"] = [int(c) for c in session.seen_original]
        return record
