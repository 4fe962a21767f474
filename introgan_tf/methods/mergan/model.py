"""MeRGAN's per-session Keras model, official protocol: every loss (docs/methods.md#mergan).

Wu et al., *Memory Replay GANs: learning to generate images from new categories
without forgetting*, NeurIPS 2018.  A WGAN-GP AC-GAN (networks.py) at 32x32;
real images arrive at the dataset's size and are padded with -1 (28 -> 32 for MNIST).

Notation: B the batch size, x / y a real batch and its labels (from the data),
z ~ N(0, I_128), y~ fake labels drawn uniformly from ``fake_classes`` (the session's
new classes; every seen class in the joint mode), w = D(.) the Wasserstein output,
ac(.) the AC logits over the dataset's fixed label space, CE the softmax cross-entropy
from logits averaged over the batch, t the number of OLD classes and n = floor(B / t).

Critic (``critic_iters`` steps per iteration, each on a new real batch):

    L_D = mean w(G(z, y~)) - mean w(x) + lambda * GP + acgan_scale * CE(ac(x), y)

    GP = mean_b (||grad_x^ w(x^_b)||_2 - 1)^2, x^ = x + a (G(z, y~) - x), a ~ U[0, 1] per
    sample, the norm over all pixels of a sample; on the Wasserstein output only.
    The critic is not trained to classify fakes.

Generator (one step per iteration, none at iteration 0):

    L_G = -mean w(G(z, y~)) + acgan_scale_g * CE(ac(G(z, y~)), y~)

Replay for t > 0 (``mergan_mode``).  For every old class i < t, z_i is n fresh noise
vectors, fed to both G_old (the frozen copy of the previous session's G) and G_new; each
class is a SEPARATE single-class generator call, because conditional batch norm uses
the statistics of the batch it is given:

* ``ra`` (Replay Alignment), generator only:
      L_G += RA_factor * (1/t) sum_i l2_loss(G_old(z_i, i) - G_new(z_i, i)),
  l2_loss = 1/2 sum of squares over the batch and pixels (losses.replay_alignment_loss).
* ``jtr`` (Joint Training with Replay), G_old's samples as "real" data, no GP on them:
      L_D += sum_i [mean w(G_new(z_i, i)) - mean w(G_old(z_i, i)) + CE(ac(G_old(z_i, i)), i)]
      L_G += sum_i [-mean w(G_new(z_i, i)) + CE(ac(G_new(z_i, i)), i)]
  (the replay cross-entropies are unscaled, as in the original).
* ``sft`` and ``joint``: no replay term.

Optimisation: Adam(1e-4, 0, 0.9) for G and for D, fresh every session; the G
update is left out of iteration 0 (its own compiled step, ``phase``) so that Adam does not advance.
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.config import AuxClassifierConfig, MeRGANConfig, TrainConfig
from introgan_tf.layers import SIZE
from introgan_tf.layers.resolution import crop_to, pad_to
from introgan_tf.methods.common.session_model import SessionModel, accuracy

LOSS_NAMES = ("d_loss", "g_loss", "wasserstein", "gp", "d_cls", "g_cls", "ra_loss", "jtr_d", "jtr_g", "train_acc")
G_STEP_OUTPUTS = ("g_loss", "g_cls", "ra_loss", "jtr_g")


class MeRGANModel(SessionModel):
    """G_new, D and (after the first session) the frozen G_old of one session, for ``fit``.

    Each ``fit`` element is ``critic_iters * B`` real images and labels: one batch per critic step.

    Args:
      generator: MeRGANGenerator, trained (G_new).
      critic: MeRGANCritic, trained.
      old_generator: frozen MeRGANGenerator (G_old), or None (no replay).
      fake_classes: the class ids y~ is drawn from, uniformly.
      num_old: t, the old classes replayed (0: none); needs ``old_generator``.
      num_seen: classes seen so far; ``call`` returns that many logits.
      image_shape: the dataset's (H, W, C); images are padded to the networks' side (28 -> 32) and generated
        ones cropped back.
      mergan: mergan_mode, ra_factor.
      aux: acgan_scale, acgan_scale_g.
      train: batch_size, critic_iters, lambda_gp.
      seed: seed of the in-graph SeedGenerator (z, y~, GP mixing).
    """

    def __init__(self, generator, critic, old_generator, fake_classes, num_old: int, num_seen: int, image_shape,
                 mergan: MeRGANConfig, aux: AuxClassifierConfig, train: TrainConfig, seed: int, **kwargs):
        super().__init__(LOSS_NAMES, train.batch_size, train.critic_iters, seed, **kwargs)
        # Conditional batch norm: a sample depends on its batch, so generate in training-sized batches.
        self.generation_batch = train.batch_size
        self.generator = generator
        self.critic = critic
        self.old_generator = old_generator
        self.fake_classes = tf.constant(list(fake_classes), tf.int32)
        self.replay_mode = mergan.mergan_mode if num_old and mergan.mergan_mode in ("ra", "jtr") else None
        if self.replay_mode and old_generator is None:
            raise ValueError(f"mergan_mode={mergan.mergan_mode} with {num_old} old classes needs G_old")
        self.num_old = num_old
        # LSUN's protocol on the 64x64 networks (the original keys it on the dataset): n = B samples per old class,
        # RA summed over the old classes (kappa = 1), JTR divided by t; MNIST / SVHN: n = floor(B / t), RA / t.
        self.lsun_protocol = getattr(generator, "image_side", SIZE) == 64
        self.replay_per_class = (train.batch_size if self.lsun_protocol else train.batch_size // num_old) \
            if num_old else 0
        self.image_side = getattr(critic, "image_side", SIZE)
        self.num_seen = num_seen
        self.image_shape = tuple(image_shape)
        self.ra_factor = mergan.ra_factor
        self.aux = aux
        self.train_cfg = train

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.attach_optimizers(d_optimizer=(d_optimizer, self.critic.trainable_variables),
                               g_optimizer=(g_optimizer, self.generator.trainable_variables))

    # ----------------------------------------------------------------------------------------- helpers
    def sample_fakes(self, batch_size):
        """z ~ N(0, I) and y~ uniform over ``fake_classes``."""
        z = self.normal((batch_size, self.generator.z_dim))
        index = self.randint((batch_size,), 0, ops.shape(self.fake_classes)[0])
        return z, ops.take(self.fake_classes, index)

    def replay_inputs(self):
        """[(z_i, labels i)] for every old class i: n fresh noise vectors each."""
        n = self.replay_per_class
        # Not per example: every replica draws the same replay noise and computes the whole replay term, which
        # minimize()'s 1/R scaling then counts once (conditional BN sees the same statistics as on one device).
        return [(keras.random.normal((n, self.generator.z_dim), seed=self.seed_generator),
                 ops.full((n,), i, "int32")) for i in range(self.num_old)]

    def critic_outputs(self, batches, sizes):
        """D on several batches of known sizes in one call (D has no normalisation: batches do not interact)."""
        sources, logits = self.critic(ops.concatenate(batches, 0), training=True)
        outputs, start = [], 0
        for size in sizes:
            outputs.append((sources[start:start + size], logits[start:start + size]))
            start += size
        return outputs

    @staticmethod
    def cross_entropy(logits, labels):
        return ops.mean(losses.softmax_cross_entropy(logits, labels))

    # ----------------------------------------------------------------------------------------- steps
    def generator_step(self):
        batch_size = self.batch_size  # this replica's share
        z, fake_labels = self.sample_fakes(batch_size)
        replay = self.replay_inputs() if self.replay_mode else []
        zero = ops.convert_to_tensor(0.0)
        with tf.GradientTape() as tape:
            fakes = self.generator((z, fake_labels), training=True)
            # One single-class call per old class (conditional BN uses per-call batch statistics).
            replayed = [self.generator((z_i, y_i), training=True) for z_i, y_i in replay]
            jtr = replayed if self.replay_mode == "jtr" else []
            outputs = self.critic_outputs([fakes] + jtr, [batch_size] + [self.replay_per_class] * len(jtr))
            source, logits = outputs[0]
            g_cls = self.cross_entropy(logits, fake_labels)
            g_loss = -ops.mean(source) + self.aux.acgan_scale_g * g_cls
            ra_loss, jtr_g = zero, zero
            if self.replay_mode == "ra":
                targets = [self.old_generator((z_i, y_i), training=True) for z_i, y_i in replay]
                ra_loss = losses.replay_alignment_loss(targets, replayed, self.ra_factor,
                                                       average=not self.lsun_protocol)
            if self.replay_mode == "jtr":
                jtr_g = ops.sum(ops.stack([-ops.mean(s) + self.cross_entropy(l, y_i)
                                           for (s, l), (_, y_i) in zip(outputs[1:], replay)])) / self.jtr_divisor
            g_loss = g_loss + ra_loss + jtr_g
        variables = self.generator.trainable_variables
        self.minimize(self.g_optimizer, tape, g_loss, variables)
        return g_loss, g_cls, ra_loss, jtr_g

    def critic_step(self, real, labels):
        batch_size = self.batch_size  # this replica's share
        z, fake_labels = self.sample_fakes(batch_size)
        fakes = ops.stop_gradient(self.generator((z, fake_labels), training=True))
        replay = self.replay_inputs() if self.replay_mode == "jtr" else []
        replay_new = [ops.stop_gradient(self.generator(inputs, training=True)) for inputs in replay]
        replay_old = [self.old_generator(inputs, training=True) for inputs in replay]
        with tf.GradientTape() as tape:
            outputs = self.critic_outputs([real, fakes] + replay_new + replay_old,
                                          [batch_size] * 2 + [self.replay_per_class] * (2 * len(replay)))
            (real_source, real_logits), (fake_source, _) = outputs[:2]
            wasserstein = ops.mean(real_source) - ops.mean(fake_source)
            gp = self.gradient_penalty(real, fakes)
            d_cls = self.cross_entropy(real_logits, labels)
            d_loss = -wasserstein + self.train_cfg.lambda_gp * gp + self.aux.acgan_scale * d_cls
            jtr_d = ops.convert_to_tensor(0.0)
            if replay:
                new_outputs, old_outputs = outputs[2:2 + self.num_old], outputs[2 + self.num_old:]
                jtr_d = ops.sum(ops.stack([ops.mean(new_s) - ops.mean(old_s) + self.cross_entropy(old_l, y_i)
                                           for (new_s, _), (old_s, old_l), (_, y_i)
                                           in zip(new_outputs, old_outputs, replay)])) / self.jtr_divisor
                d_loss = d_loss + jtr_d
        variables = self.critic.trainable_variables
        self.minimize(self.d_optimizer, tape, d_loss, variables)
        return dict(d_loss=d_loss, wasserstein=wasserstein, gp=gp, d_cls=d_cls, jtr_d=jtr_d,
                    train_acc=accuracy(real_logits, labels))

    @property
    def jtr_divisor(self) -> float:
        """LSUN's JTR terms are averaged over the t old classes, MNIST's and SVHN's summed."""
        return float(self.num_old) if self.lsun_protocol else 1.0

    def gradient_penalty(self, real, fakes):
        """GP on the Wasserstein output only, per-sample norm over all pixels."""
        return self.interpolation_penalty(lambda x: self.critic(x, training=True)[0], real, fakes)

    def phase(self, iteration):
        """``first`` at iteration 0 (no G step: applying zero gradients would still advance Adam), else ``train``."""
        return "first" if iteration == 0 else "train"

    def phase_step(self, data, phase):
        images, labels = data
        images = pad_to(images, self.image_side)
        zeros = tuple(ops.convert_to_tensor(0.0) for _ in G_STEP_OUTPUTS)
        g_results = zeros if phase == "first" else self.generator_step()
        for real, real_labels in self.split_element(images, labels):
            d_results = self.critic_step(real, real_labels)
        self.iteration.assign_add(1)
        return self.report(dict(zip(G_STEP_OUTPUTS, g_results), **d_results))

    # ----------------------------------------------------------------------------------------- inference
    def generate(self, z, labels):
        """Images at the dataset's size in [-1, 1] (batch statistics of this batch)."""
        return crop_to(self.generator((z, labels), training=False), self.image_shape)

    def classify(self, images):
        """AC logits [N, num_seen] of images at the dataset's size in [-1, 1]."""
        return self.critic(pad_to(images, self.image_side), training=False)[1][:, :self.num_seen]
