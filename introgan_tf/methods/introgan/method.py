"""IntroGAN session logic: replay, growth by copy, prototype memory (He et al. 2024; docs/methods.md#introgan).

Per session s:

1. s > 1: generate N_rep images per old class with the frozen G_{s-1}, quantised to uint8 (common/replay.py);
2. grow G: new class rows copy the most-confused old class's row plus noise (decisions (a) and (d),
   growth.py); D is kept whole;
3. choose P random real exemplars per new class; the memory of old classes is kept;
4. pool = new-class images + replay + old exemplars (x proto_importance), all "real";
5. a fresh IntroGANModel (model.py) compiled with fresh Adam(2e-4, 0.5, 0.999, eps 1e-8).
"""

import time

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, to_unit_range
from introgan_tf.layers.resolution import network_side
from introgan_tf.methods.base import RNG_GROWTH, RNG_PROTOTYPES, RNG_REPLAY, ContinualMethod
from introgan_tf.methods.common.inference import batch_by_batch, batched
from introgan_tf.methods.common.replay import generate_replay, replay_batch_size
from introgan_tf.methods.introgan.growth import grow_generator, most_confused_class
from introgan_tf.methods.introgan.model import IntroGANModel
from introgan_tf.methods.introgan.networks import SIDES, EmbeddingDiscriminator, make_generator


class IntroGAN(ContinualMethod):
    """Introspective GAN: a growing conditional GAN whose discriminator is a prototype classifier."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.generator = None       # G_{s-1} once a session has ended
        self.discriminator = None   # D_{s-1}
        self.memory = np.zeros((0,) + info.image_shape, np.uint8)  # class-major exemplars of the seen classes
        self.most_confused = {}     # new class -> old class it was grown from (diagnostics)
        network_side(config.method, info.image_shape, SIDES)  # networks for the data's shape, or a one-line error

    # ---------------------------------------------------------------------------------------- helpers
    @property
    def proto_num(self):
        return self.config.introgan.proto_num

    def select_prototypes(self, session) -> np.ndarray:
        """P random real images per new class, without replacement (``proto_select_criterion=random``)."""
        rng = self.rng(session, RNG_PROTOTYPES)
        chosen = []
        for c in session.new_classes:
            images = self.scenario.class_train_images(c)
            if len(images) < self.proto_num:
                raise ValueError(f"class {c} has {len(images)} training images, fewer than proto_num={self.proto_num}")
            chosen.append(images[rng.choice(len(images), self.proto_num, replace=False)])
        return np.concatenate(chosen)

    def new_generator(self, num_classes: int):
        """A fresh G for the dataset's image shape (28x28: one-hot input; 32x32: conditional batch norm)."""
        train = self.config.train
        return make_generator(num_classes, self.info.image_shape, train.z_dim, train.dim, self.config.method)

    def new_discriminator(self) -> EmbeddingDiscriminator:
        return EmbeddingDiscriminator(self.info.image_shape, dim=self.config.train.dim)

    def grown_generator(self, session):
        """G for the session's classes, grown from G_{s-1}."""
        growth = self.config.growth
        if not growth.improved_finetune:
            return grow_generator(self.generator, session.num_seen, {}, None, copy_rows=False)
        # Decision (a): m(c) from D_{s-1} and the stored prototypes of the old classes.
        discriminator = self.discriminator
        embed = tf.function(lambda x: discriminator(to_unit_range(x), training=False)[1])
        old_centers = batched(embed, self.memory).reshape(session.num_old, self.proto_num, -1).mean(1)
        # A class's embeddings (4096 floats per image: about 100 MB for 6,000 MNIST images) go to the votes
        # batch by batch: held whole, they and their float64 distance windows made each session's memory peak.
        self.most_confused = {c: most_confused_class(batch_by_batch(embed, self.scenario.class_train_images(c)),
                                                     old_centers)
                              for c in session.new_classes}
        return grow_generator(self.generator, session.num_seen, self.most_confused, self.rng(session, RNG_GROWTH),
                              growth.improved_finetune_noise_level, growth.improved_finetune_type,
                              growth.improved_finetune_noise)

    def class_weights(self, labels: np.ndarray, num_classes: int):
        """``anti_imbalance=reweight``: N / (n_classes * N_class), as sklearn's 'balanced'."""
        if self.config.introgan.anti_imbalance != "reweight":
            return None
        counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
        present = counts > 0
        weights = np.zeros(num_classes)
        weights[present] = len(labels) / (present.sum() * counts[present])
        return weights.astype(np.float32)

    def make_model(self, session, generator, discriminator, memory, class_weights=None):
        model = IntroGANModel(generator, discriminator, memory, session.num_seen, self.config.introgan,
                              self.config.train, seed=self.session_seed(session), class_weights=class_weights)
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        cfg = self.config.introgan
        parts = [self.scenario.train_data(session)]
        first = session.index == 1 or self.generator is None
        self.timings, self.most_confused = {}, {}  # the map is this session's, empty when nothing was grown
        if not first:
            started = time.time()
            previous = self.generator
            parts.append(generate_replay(tf.function(lambda z, y: previous((z, y), training=False)), session.num_old,
                                         self.config.replay.replay_per_class, previous.z_dim,
                                         self.session_seed(session, RNG_REPLAY), replay_batch_size(previous,
                                                                                                  self.config)))
            self.timings["replay_seconds"] = time.time() - started
            if cfg.exemplars_dual_use:
                old_labels = np.repeat(np.arange(session.num_old), self.proto_num)
                parts.append((np.tile(self.memory, (cfg.proto_importance, 1, 1, 1)),
                              np.tile(old_labels, cfg.proto_importance)))
        if first or not self.config.growth.finetune:
            generator = self.new_generator(session.num_seen)
            discriminator = self.new_discriminator()
        else:
            generator = self.grown_generator(session)
            discriminator = self.discriminator
        # Old exemplars never change; new ones come from this session's real images.
        self.memory = np.concatenate([self.memory[:session.num_old * self.proto_num], self.select_prototypes(session)])
        self.pool = make_pool(parts)
        self.model = self.make_model(session, generator, discriminator, self.memory,
                                     self.class_weights(self.pool[1], session.num_seen))

    def build_session_model(self, session) -> None:
        """Empty model of the session's shapes, to restore its checkpoint into."""
        generator = self.new_generator(session.num_seen)
        memory = np.zeros((session.num_seen * self.proto_num,) + self.info.image_shape, np.uint8)
        self.model = self.make_model(session, generator, self.new_discriminator(), memory)

    def end_session(self, session) -> None:
        super().end_session(session)
        self.generator = self.model.generator
        self.discriminator = self.model.discriminator
        self.memory = self.model.prototypes.numpy().astype(np.uint8)  # int32 under multi_worker (model.py)

    def summary(self) -> dict:
        """Session diagnostics for results.json (original label ids)."""
        order = self.scenario.class_order
        return {"most_confused": {str(order[k]): int(order[v]) for k, v in self.most_confused.items()},
                "pool_size": self.pool_size()}
