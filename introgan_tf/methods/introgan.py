"""IntroGAN session logic: replay, growth by copy, prototype memory (He et al. 2024).

Per session s (introgan.md sections 7-9):

1. s > 1: generate N_rep images per old class with the frozen G_{s-1}, quantised to uint8;
2. grow G: new class rows copy the most-confused old class's row plus noise
   (decisions (a) and (d)); D is kept whole;
3. choose P random real exemplars per new class; the memory of old classes is kept;
4. pool = new-class images + replay + old exemplars (x proto_importance), all "real";
5. a fresh IntroGANModel compiled with fresh Adam(2e-4, 0.5, 0.999, eps 1e-8).
"""

import time

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, quantize_to_uint8
from introgan_tf.data.scenario import Session
from introgan_tf.methods.base import ContinualMethod, batched
from introgan_tf.methods.introgan_model import IntroGANModel
from introgan_tf.models.discriminator import EmbeddingDiscriminator
from introgan_tf.models.generator import ConditionalGenerator
from introgan_tf.models.growth import grow_generator, most_confused_class

# Purposes of the per-session numpy generators (see ContinualMethod.rng).
RNG_PROTOTYPES, RNG_GROWTH, RNG_SAMPLES = 1, 2, 3
# Offset of the stateless seeds used for replay noise.
REPLAY_SEED_OFFSET = 7919


class IntroGAN(ContinualMethod):
    """Introspective GAN: a growing conditional GAN whose discriminator is a prototype classifier."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.generator = None       # G_{s-1} once a session has ended
        self.discriminator = None   # D_{s-1}
        self.memory = np.zeros((0,) + info.image_shape, np.uint8)  # class-major exemplars of the seen classes
        self.most_confused = {}     # new class -> old class it was grown from (diagnostics)
        self.sample_rng = np.random.default_rng(config.seed)
        self._sample_fn = (None, None)  # (generator, its traced sampling function)

    # ---------------------------------------------------------------------------------------- helpers
    @property
    def proto_num(self):
        return self.config.introgan.proto_num

    def embed(self, discriminator, images_uint8: np.ndarray) -> np.ndarray:
        embed_fn = tf.function(lambda x: discriminator(tf.cast(x, tf.float32) / 127.5 - 1.0, training=False)[1])
        return batched(embed_fn, images_uint8)

    def generate_replay(self, session: Session):
        """N_rep uint8 images per old class from G_{s-1}, class-sorted, fresh z each (introgan.md 8)."""
        num_rep = self.config.introgan.replay_per_class or self.info.replay_per_class
        labels = np.repeat(np.arange(session.num_old, dtype=np.int32), num_rep)
        z = tf.random.stateless_normal((len(labels), self.generator.z_dim),
                                       seed=(self.config.seed, REPLAY_SEED_OFFSET + session.index))
        sample_fn = tf.function(lambda z_, y_: self.generator((z_, y_), training=False))
        images = np.concatenate([quantize_to_uint8(sample_fn(z[i:i + 1000], labels[i:i + 1000]))
                                 for i in range(0, len(labels), 1000)])
        return images, labels

    def select_prototypes(self, session: Session) -> np.ndarray:
        """P random real images per new class, without replacement (``proto_select_criterion=random``)."""
        rng = self.rng(session, RNG_PROTOTYPES)
        chosen = []
        for c in session.new_classes:
            images = self.scenario.class_train_images(c)
            if len(images) < self.proto_num:
                raise ValueError(f"class {c} has {len(images)} training images, fewer than proto_num={self.proto_num}")
            chosen.append(images[rng.choice(len(images), self.proto_num, replace=False)])
        return np.concatenate(chosen)

    def grown_generator(self, session: Session) -> ConditionalGenerator:
        """G for the session's classes, grown from G_{s-1} (introgan.md 7)."""
        cfg = self.config.introgan
        if not cfg.improved_finetune:
            return grow_generator(self.generator, session.num_seen, {}, None, copy_rows=False)
        # Decision (a): m(c) from D_{s-1} and the stored prototypes of the old classes.
        old_centers = self.embed(self.discriminator, self.memory).reshape(session.num_old, self.proto_num, -1).mean(1)
        self.most_confused = {c: most_confused_class(self.embed(self.discriminator, self.scenario.class_train_images(c)),
                                                     old_centers)
                              for c in session.new_classes}
        return grow_generator(self.generator, session.num_seen, self.most_confused, self.rng(session, RNG_GROWTH),
                              cfg.improved_finetune_noise_level, cfg.improved_finetune_type,
                              cfg.improved_finetune_noise)

    def class_weights(self, labels: np.ndarray, num_classes: int):
        """``anti_imbalance=reweight``: N / (n_classes * N_class), as sklearn's 'balanced'."""
        if self.config.introgan.anti_imbalance != "reweight":
            return None
        counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
        present = counts > 0
        weights = np.zeros(num_classes)
        weights[present] = len(labels) / (present.sum() * counts[present])
        return weights.astype(np.float32)

    def make_model(self, generator, discriminator, memory, num_classes, class_weights=None):
        model = IntroGANModel(generator, discriminator, memory, num_classes, self.config.introgan, self.config.train,
                              seed=self.config.seed, class_weights=class_weights)
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session: Session) -> None:
        cfg = self.config.introgan
        x_new, y_new = self.scenario.train_data(session)
        parts = [(x_new, y_new)]
        first = session.index == 1 or self.generator is None
        self.timings = {}
        if not first:
            started = time.time()
            parts.append(self.generate_replay(session))
            self.timings["replay_seconds"] = time.time() - started
            if cfg.exemplars_dual_use:
                old_labels = np.repeat(np.arange(session.num_old), self.proto_num)
                parts.append((np.tile(self.memory, (cfg.proto_importance, 1, 1, 1)),
                              np.tile(old_labels, cfg.proto_importance)))
        if first or not cfg.finetune:
            generator = ConditionalGenerator(session.num_seen, channels=self.info.image_shape[-1])
            discriminator = EmbeddingDiscriminator(self.info.image_shape)
        else:
            generator = self.grown_generator(session)
            discriminator = self.discriminator
        # Old exemplars never change; new ones come from this session's real images (introgan.md 4.1).
        self.memory = np.concatenate([self.memory[:session.num_old * self.proto_num], self.select_prototypes(session)])
        self.pool = make_pool(parts)
        self.model = self.make_model(generator, discriminator, self.memory, session.num_seen,
                                     self.class_weights(self.pool[1], session.num_seen))

    def elements_per_step(self) -> int:
        """Each fit element feeds all ``critic_iters`` D steps of an iteration (B real images each)."""
        return self.config.train.batch_size * self.config.train.critic_iters

    def build_session_model(self, session: Session) -> None:
        """Empty model of the session's shapes, to restore its checkpoint into."""
        generator = ConditionalGenerator(session.num_seen, channels=self.info.image_shape[-1])
        memory = np.zeros((session.num_seen * self.proto_num,) + self.info.image_shape, np.uint8)
        self.model = self.make_model(generator, EmbeddingDiscriminator(self.info.image_shape), memory,
                                     session.num_seen)

    def end_session(self, session: Session) -> None:
        self.sample_rng = self.rng(session, RNG_SAMPLES)
        self.generator = self.model.generator
        self.discriminator = self.model.discriminator
        self.memory = self.model.prototypes.numpy()

    def classify(self, images: np.ndarray) -> np.ndarray:
        model = self.model
        proto_emb = model.embed(model.prototype_images())
        logits_fn = tf.function(lambda x: model.test_logits(model.embed(x), proto_emb))
        return batched(logits_fn, images)

    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        labels = np.asarray(labels, np.int32)
        if z is None:  # fresh noise on every call, reproducible per session
            z = self.sample_rng.standard_normal((len(labels), self.z_dim)).astype(np.float32)
        generator, sample_fn = self._sample_fn
        if generator is not self.model.generator:  # trace once per generator, not once per call
            generator = self.model.generator
            sample_fn = tf.function(lambda z_, y_: generator((z_, y_), training=False))
            self._sample_fn = (generator, sample_fn)
        return np.concatenate([np.asarray(sample_fn(z[i:i + 1000], labels[i:i + 1000]))
                               for i in range(0, len(labels), 1000)])

    def summary(self) -> dict:
        """Session diagnostics for results.json (original label ids)."""
        order = self.scenario.class_order
        return {"most_confused": {str(order[k]): int(order[v]) for k, v in self.most_confused.items()},
                "pool_size": int(len(self.pool[0])) if self.pool is not None else 0}

