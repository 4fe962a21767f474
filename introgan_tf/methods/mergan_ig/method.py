"""MeRGAN as the IntroGAN benchmark runs it (``mergan_ig``; docs/methods.md#mergan_ig).

Wu et al., *Memory Replay GANs*, NeurIPS 2018, in the variant of ``TonyPod/IntroGAN`` ``*_train_mergan.py``.
The session follows IntroGAN's, with the shared pieces of methods/common:

1. s > 1: N_rep generated images per old class from G_{s-1}, quantised to uint8, join the new real images as
   real labelled data (common/replay.py; no exemplars);
2. growth: m(c) is the old class the *previous* D's class head predicts most often for c's training images;
   G gets a conditioning row (introgan/growth.py) and D's class head a column + bias (common/growth.py)
   copied from m(c) with noise;
3. a fresh MeRGANIGModel (model.py) with three fresh Adams.

Accuracy is the argmax of D's class head over the seen classes.
"""

import time

import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, to_unit_range
from introgan_tf.layers.resolution import network_side
from introgan_tf.methods.base import RNG_GROWTH, RNG_REPLAY, ContinualMethod
from introgan_tf.methods.common.growth import grow_class_head, most_confused_by_logits
from introgan_tf.methods.common.inference import batched
from introgan_tf.methods.common.replay import generate_replay, replay_batch_size
from introgan_tf.methods.introgan.growth import grow_generator
from introgan_tf.methods.mergan_ig.model import MeRGANIGModel
from introgan_tf.methods.introgan.networks import SIDES
from introgan_tf.methods.mergan_ig.networks import MeRGANIGDiscriminator, make_generator


class MeRGANIG(ContinualMethod):
    """AC-GAN with replay through the dataset and growth by copy (no prototypes, no exemplars)."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.generator = None       # G_{s-1} once a session has ended
        self.discriminator = None   # D_{s-1}
        self.most_confused = {}     # new class -> old class it was grown from (diagnostics)
        network_side(config.method, info.image_shape, SIDES)  # networks for the data's shape, or a one-line error

    def grown_models(self, session):
        """(G, D) for the session's classes, grown from the previous session's."""
        growth = self.config.growth
        if not growth.improved_finetune:  # g_input and the class head are re-initialised
            return (grow_generator(self.generator, session.num_seen, {}, None, copy_rows=False),
                    grow_class_head(self.discriminator, session.num_seen, {}, None, copy_columns=False))
        discriminator = self.discriminator
        class_logits = tf.function(lambda x: discriminator(to_unit_range(x), training=False)[1])
        self.most_confused = {c: most_confused_by_logits(batched(class_logits, self.scenario.class_train_images(c)))
                              for c in session.new_classes}
        rng = self.rng(session, RNG_GROWTH)
        noise = (growth.improved_finetune_noise_level, growth.improved_finetune_type, growth.improved_finetune_noise)
        return (grow_generator(self.generator, session.num_seen, self.most_confused, rng, *noise),
                grow_class_head(self.discriminator, session.num_seen, self.most_confused, rng, *noise))

    def make_model(self, session, generator, discriminator):
        model = MeRGANIGModel(generator, discriminator, session.num_seen, self.config.aux, self.config.train,
                              seed=self.session_seed(session))
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), c_optimizer=self.adam(),
                      jit_compile=self.use_xla())
        return model

    def new_networks(self, num_classes: int):
        train = self.config.train
        return (make_generator(num_classes, self.info.image_shape, train.z_dim, train.dim, self.config.method),
                MeRGANIGDiscriminator(num_classes, self.info.image_shape, dim=train.dim))

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        parts = [self.scenario.train_data(session)]
        first = session.index == 1 or self.generator is None
        self.timings, self.most_confused = {}, {}
        if not first:
            started = time.time()
            previous = self.generator
            parts.append(generate_replay(tf.function(lambda z, y: previous((z, y), training=False)), session.num_old,
                                         self.config.replay.replay_per_class, previous.z_dim,
                                         self.session_seed(session, RNG_REPLAY),
                                         replay_batch_size(previous, self.config)))
            self.timings["replay_seconds"] = time.time() - started
        if first or not self.config.growth.finetune:
            generator, discriminator = self.new_networks(session.num_seen)
        else:
            generator, discriminator = self.grown_models(session)
        self.pool = make_pool(parts)
        self.model = self.make_model(session, generator, discriminator)

    def build_session_model(self, session) -> None:
        self.model = self.make_model(session, *self.new_networks(session.num_seen))

    def end_session(self, session) -> None:
        super().end_session(session)
        self.generator = self.model.generator
        self.discriminator = self.model.discriminator

    def checkpoint_objects(self) -> dict:
        return dict(super().checkpoint_objects(), c_optimizer=self.model.c_optimizer)

    def summary(self) -> dict:
        """Session diagnostics for results.json (original label ids)."""
        order = self.scenario.class_order
        return {"most_confused": {str(order[k]): int(order[v]) for k, v in self.most_confused.items()},
                "pool_size": self.pool_size()}
