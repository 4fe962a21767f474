"""MeRGAN as the IntroGAN benchmark runs it (``mergan_ig``, baselines.md section 2).

Wu et al., *Memory Replay GANs*, NeurIPS 2018, in the variant of
``TonyPod/IntroGAN`` ``*_train_mergan.py``.  The session is IntroGAN's
(introgan.py), so it reuses IntroGAN's replay, generator growth and sampling:

1. s > 1: N_rep generated images per old class from G_{s-1}, quantised to uint8,
   join the new real images as real labelled data (2.4; no exemplars);
2. growth: m(c) is the old class the *previous* D's class head predicts most
   often for c's training images; G gets a conditioning row and D's class
   head a column + bias copied from m(c) with noise (2.4, the recommended fix);
3. a fresh MeRGANModel (mergan_ig_model.py) with three fresh Adams (2.3).

Accuracy is the argmax of D's class head over the seen classes.
"""

import time

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, to_unit_range
from introgan_tf.data.scenario import Session
from introgan_tf.methods.base import batched
from introgan_tf.methods.introgan import RNG_GROWTH, RNG_SAMPLES, IntroGAN
from introgan_tf.methods.mergan_ig_model import MeRGANModel
from introgan_tf.models.acgan_discriminator import ACGANDiscriminator
from introgan_tf.models.generator import ConditionalGenerator
from introgan_tf.models.growth import grow_generator
from introgan_tf.models.head_growth import grow_class_head, most_confused_by_logits


class MeRGANIG(IntroGAN):
    """AC-GAN with replay through the dataset and growth by copy (no prototypes, no exemplars)."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self._classify_fn = (None, None)  # (model, its traced logits function)

    def elements_per_step(self) -> int:
        return (self.config.train.critic_iters + self.config.baseline.class_iters) * self.config.train.batch_size

    def class_logits(self, discriminator, images_uint8: np.ndarray) -> np.ndarray:
        fn = tf.function(lambda x: discriminator(to_unit_range(x), training=False)[1])
        return batched(fn, images_uint8)

    def grown_models(self, session: Session):
        """(G, D) for the session's classes, grown from the previous session's (2.4)."""
        cfg = self.config.introgan  # the shared growth flags
        if not cfg.improved_finetune:  # g_input and the class head are re-initialised
            return (grow_generator(self.generator, session.num_seen, {}, None, copy_rows=False),
                    grow_class_head(self.discriminator, session.num_seen, {}, None, copy_columns=False))
        self.most_confused = {c: most_confused_by_logits(self.class_logits(self.discriminator,
                                                                           self.scenario.class_train_images(c)))
                              for c in session.new_classes}
        rng = self.rng(session, RNG_GROWTH)
        noise = (cfg.improved_finetune_noise_level, cfg.improved_finetune_type, cfg.improved_finetune_noise)
        return (grow_generator(self.generator, session.num_seen, self.most_confused, rng, *noise),
                grow_class_head(self.discriminator, session.num_seen, self.most_confused, rng, *noise))

    def make_model(self, generator, discriminator, num_classes):
        model = MeRGANModel(generator, discriminator, num_classes, self.config.baseline, self.config.train,
                            self.config.introgan.classification_only, seed=self.config.seed)
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), c_optimizer=self.adam(),
                      jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session: Session) -> None:
        parts = [self.scenario.train_data(session)]
        first = session.index == 1 or self.generator is None
        self.timings, self.most_confused = {}, {}
        if not first:
            started = time.time()
            parts.append(self.generate_replay(session))
            self.timings["replay_seconds"] = time.time() - started
        if first or not self.config.introgan.finetune:
            generator = ConditionalGenerator(session.num_seen, channels=self.info.image_shape[-1])
            discriminator = ACGANDiscriminator(session.num_seen, self.info.image_shape)
        else:
            generator, discriminator = self.grown_models(session)
        self.pool = make_pool(parts)
        self.model = self.make_model(generator, discriminator, session.num_seen)

    def build_session_model(self, session: Session) -> None:
        self.model = self.make_model(ConditionalGenerator(session.num_seen, channels=self.info.image_shape[-1]),
                                     ACGANDiscriminator(session.num_seen, self.info.image_shape), session.num_seen)

    def end_session(self, session: Session) -> None:
        self.sample_rng = self.rng(session, RNG_SAMPLES)
        self.generator = self.model.generator
        self.discriminator = self.model.discriminator

    def checkpoint_objects(self) -> dict:
        return dict(super().checkpoint_objects(), c_optimizer=self.model.c_optimizer)

    def classify(self, images: np.ndarray) -> np.ndarray:
        model, fn = self._classify_fn
        if model is not self.model:  # trace once per session's model
            model = self.model
            fn = tf.function(lambda x: model(x, training=False))
            self._classify_fn = (model, fn)
        return batched(fn, images)
