"""IntroGAN's per-session Keras model: one G step then ``critic_iters`` D steps (docs/methods.md#introgan).

The discriminator doubles as a prototype classifier (prototype_head.py).  The
real batch (new-class images + generated replay + exemplars, all "real") trains
the adversarial term and the prototype cross-entropy; fakes train only the
adversarial term of D, and G additionally gets the prototype cross-entropy of
its samples (lambda_G = protogan_scale_g).  See He et al., *Introspective GAN*,
Pattern Recognition 151 (2024).
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.config import IntroGANConfig, TrainConfig
from introgan_tf.methods.common.session_model import SessionModel, accuracy
from introgan_tf.methods.introgan import prototype_head


TRACKED = ("d_loss", "g_loss", "d_adv", "g_adv", "proto_ce_real", "proto_ce_fake", "train_acc")


class IntroGANModel(SessionModel):
    """Wraps G, D and the prototype memory of one session for ``fit``.

    Each ``fit`` element is ``critic_iters * B`` real images and labels, one batch per D step, so data is
    consumed in the original order.

    Args:
      generator: ConditionalGenerator over ``num_classes`` classes.
      discriminator: EmbeddingDiscriminator.
      prototypes_uint8: uint8 [C*P, H, W, C], class-major (class k owns rows k*P..k*P+P-1).
      num_classes: C, classes seen so far.
      class_weights: [C] per-class weights of the real terms (``anti_imbalance=reweight``) or None.
      introgan: the method's hyperparameters.
      train: schedule and adversarial-loss options (batch_size, critic_iters, mode, lambda_gp, classification_only).
      seed: seed of the in-graph SeedGenerator (z, fake labels).
    """

    def __init__(self, generator, discriminator, prototypes_uint8, num_classes, introgan: IntroGANConfig,
                 train: TrainConfig, seed: int, class_weights=None, **kwargs):
        super().__init__(TRACKED, train.batch_size, train.critic_iters, seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = num_classes
        self.proto_num = prototypes_uint8.shape[0] // num_classes
        self.cfg = introgan
        self.train_cfg = train
        # The memory is part of the model's state (and of every checkpoint): uint8, never trained.
        # MultiWorkerMirroredStrategy broadcasts every variable's initial value, and its collectives take no
        # uint8: the same values as int32 there.
        several_workers = isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy)
        self.prototypes = tf.Variable(ops.cast(prototypes_uint8, "int32" if several_workers else "uint8"),
                                      trainable=False, name="prototype_memory")
        weights = ops.ones((num_classes,)) if class_weights is None else class_weights
        self.class_weights = tf.Variable(ops.cast(weights, "float32"), trainable=False, name="class_weights")
        self.d_loss_fn, self.g_loss_fn = losses.ADVERSARIAL_LOSSES[train.mode]

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.attach_optimizers(d_optimizer=(d_optimizer, self.discriminator.trainable_variables),
                               g_optimizer=(g_optimizer, self.generator.trainable_variables))

    # ----------------------------------------------------------------------------------------- math
    def prototype_images(self):
        return ops.cast(self.prototypes, "float32") / 127.5 - 1.0

    def train_logits(self, embeddings, proto_embeddings):
        """Train-time logits (prototype_head.py), or with ``train_rel_center`` the test-time logits of the
        configured ``center_type`` / ``fixed_center_idx``, as the original."""
        cfg = self.cfg
        if cfg.train_rel_center:
            return self.test_logits(embeddings, proto_embeddings)
        random_index = None
        if cfg.rigorous == "random":
            # One index for the whole global batch: the same draw on every replica.
            random_index = keras.random.randint((), 0, self.proto_num, seed=self.seed_generator)
        return prototype_head.prototype_logits(embeddings, proto_embeddings, self.num_classes, cfg.dist_func,
                                               cfg.gamma, cfg.rigorous, random_index)

    def center_pull(self, embeddings, labels, proto_embeddings, weight):
        """mu * mean ||c_y - E(x)||^2; zero when unused or with multi_center."""
        cfg = self.cfg
        if weight == 0.0 or cfg.center_type == "multi_center":
            return 0.0
        centers = prototype_head.class_centers(proto_embeddings, self.num_classes, cfg.center_type,
                                               cfg.fixed_center_idx)
        return weight * ops.mean(prototype_head.center_pull(embeddings, labels, centers, cfg.dist_func))

    def sample_fakes(self, batch_size):
        z = self.normal((batch_size, self.generator.z_dim))
        labels = self.randint((batch_size,), 0, self.num_classes)
        return z, labels

    # ----------------------------------------------------------------------------------------- steps
    def generator_step(self, batch_size):
        """One G update on L_G = adv + lambda_G CE(proto logits of fakes) + mu_fake pull."""
        cfg = self.cfg
        z, fake_labels = self.sample_fakes(batch_size)
        # E(p) with the current D, outside the tape: G's gradient never flows through the prototypes,
        # and a joint forward pass would back-propagate to the inputs of all C*P prototypes for nothing.
        proto_emb = self.discriminator(self.prototype_images(), training=True)[1]
        with tf.GradientTape() as tape:
            fakes = self.generator((z, fake_labels), training=True)
            fake_logits, fake_emb = self.discriminator(fakes, training=True)
            g_adv = self.g_loss_fn(fake_logits)
            ce_fake = ops.mean(losses.softmax_cross_entropy(self.train_logits(fake_emb, proto_emb), fake_labels,
                                                            cfg.margin))
            g_loss = g_adv + cfg.protogan_scale_g * ce_fake + self.center_pull(fake_emb, fake_labels, proto_emb,
                                                                                cfg.proto_weight_fake)
        variables = self.generator.trainable_variables
        self.minimize(self.g_optimizer, tape, g_loss, variables)
        return g_loss, g_adv, ce_fake

    def discriminator_step(self, real, labels):
        """One D update on L_D (docs/methods.md#introgan, "Losses")."""
        cfg = self.cfg
        batch_size = ops.shape(real)[0]
        weights = ops.take(self.class_weights, labels)
        protos = self.prototype_images()
        z, fake_labels = self.sample_fakes(batch_size)
        fakes = ops.stop_gradient(self.generator((z, fake_labels), training=True))
        with tf.GradientTape() as tape:
            # One pass over real, fake and prototypes: D has no batch-dependent layers.
            logits, embeddings = self.discriminator(ops.concatenate([real, fakes, protos], 0), training=True)
            real_logits, fake_logits = logits[:batch_size], logits[batch_size:2 * batch_size]
            real_emb, proto_emb = embeddings[:batch_size], embeddings[2 * batch_size:]
            class_logits = self.train_logits(real_emb, proto_emb)
            ce_real = ops.mean(weights * losses.softmax_cross_entropy(class_logits, labels, cfg.margin))
            pull = self.center_pull(real_emb, labels, proto_emb, cfg.proto_weight_real)
            if self.train_cfg.classification_only:
                d_adv = ops.convert_to_tensor(0.0)
            else:
                d_adv = self.d_loss_fn(real_logits, fake_logits, weights)
                if self.train_cfg.mode == "wgan-gp":
                    d_adv += self.train_cfg.lambda_gp * self.gradient_penalty(real, fakes)
            d_loss = d_adv + cfg.protogan_scale * ce_real + pull
        variables = self.discriminator.trainable_variables
        if self.train_cfg.classification_only:  # the real/fake head gets no gradient in this ablation
            variables = [v for v in variables if "d_output" not in v.path]
        self.minimize(self.d_optimizer, tape, d_loss, variables)
        return d_loss, d_adv, ce_real, accuracy(class_logits, labels)

    def gradient_penalty(self, real, fakes):
        """GP on the real/fake logit only (decision (b), docs/methods.md#introgan)."""
        return self.interpolation_penalty(lambda x: self.discriminator(x, training=True)[0], real, fakes)

    def phase(self, iteration):
        """``first`` at iteration 0 (no G step: applying zero gradients would still advance Adam), else ``train``."""
        return "first" if iteration == 0 else "train"

    def phase_step(self, data, phase):
        images, labels = data
        zero = ops.convert_to_tensor(0.0)
        if self.train_cfg.classification_only or phase == "first":
            # classification_only: G stays at its initial weights (lr 0 in the original)
            g_results = (zero, zero, zero)
        else:
            g_results = self.generator_step(self.batch_size)
        for real, real_labels in self.split_element(images, labels):
            d_results = self.discriminator_step(real, real_labels)
        self.iteration.assign_add(1)
        values = dict(zip(["g_loss", "g_adv", "proto_ce_fake"], g_results))
        values.update(zip(["d_loss", "d_adv", "proto_ce_real", "train_acc"], d_results))
        return self.report(values)

    # ----------------------------------------------------------------------------------------- inference
    def embed(self, images):
        return self.discriminator(images, training=False)[1]

    def test_logits(self, embeddings, proto_embeddings):
        cfg = self.cfg
        return prototype_head.test_logits(embeddings, proto_embeddings, self.num_classes, cfg.dist_func, cfg.gamma,
                                          cfg.center_type, cfg.fixed_center_idx)

    def classify(self, images):
        """Test-time logits [N, C] of images in [-1, 1] (prototype centres, ``center_type``)."""
        return self.test_logits(self.embed(images), self.embed(self.prototype_images()))

    def generate(self, z, labels):
        """Images [N, 28, 28, C] in [-1, 1] of classes ``labels`` (internal ids)."""
        return self.generator((z, labels), training=False)
