"""MeRGAN-ig's per-session Keras model: the AC-GAN math (docs/methods.md#mergan_ig).

MeRGAN (Wu et al., *Memory Replay GANs: learning to generate images from new
categories without forgetting*, NeurIPS 2018) as the IntroGAN benchmark runs it
(``TonyPod/IntroGAN`` ``*_train_mergan.py``): an AC-GAN whose D has a source
head s and a class head.  Per iteration: if i > 0 one G step, then
``critic_iters`` adversarial D steps and ``class_iters`` class steps, each on
the next real batch of the pool (new classes + replay, all "real"):

    L_adv = 1/2 [mean BCE(s(G(z, y~)), 0) + mean BCE(s(x), 1)]          trunk + source head
    L_cls = acgan_scale * mean CE(class(x'), y')                          trunk + class head
    L_G   = mean BCE(s(x~), 1) + acgan_scale_g * mean CE(class(x~), y~) - w_div * L_div     G

with y~ uniform over the seen classes, L_div = mean|x~1 - x~2| / mean|z1 - z2| over
the two halves of the fake batch, CE softmax or (``use_softmax=False``)
sigmoid against one-hot.  ``wgan-gp`` uses the WGAN losses with the penalty on
the source logit only (as IntroGAN's decision (b)).
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.config import AuxClassifierConfig, TrainConfig
from introgan_tf.methods.common.session_model import SessionModel, accuracy


TRACKED = ("d_loss", "g_loss", "c_loss", "g_adv", "g_cls", "train_acc")


class MeRGANIGModel(SessionModel):
    """Wraps G and the two-headed D of one session for ``fit``.

    Each ``fit`` element is ``(critic_iters + class_iters) * B`` real images and
    labels, consumed in the original order: D batches first, then class batches.

    Args:
      generator: ConditionalGenerator over ``num_classes`` classes.
      discriminator: MeRGANIGDiscriminator over ``num_classes`` classes.
      num_classes: C, classes seen so far.
      aux: class_iters, acgan scales, use_softmax, diversity weight.
      train: schedule and adversarial-loss options; ``classification_only``: only the class step trains (the
        original sets the other learning rates to 0).
      seed: seed of the in-graph SeedGenerator (z, fake labels, GP mixing).
    """

    def __init__(self, generator, discriminator, num_classes, aux: AuxClassifierConfig, train: TrainConfig,
                 seed: int, **kwargs):
        super().__init__(TRACKED, train.batch_size, train.critic_iters + aux.class_iters, seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = num_classes
        self.cfg = aux
        self.train_cfg = train
        self.classification_only = train.classification_only
        self.d_loss_fn, self.g_loss_fn = losses.ADVERSARIAL_LOSSES[train.mode]

    def compile(self, d_optimizer, g_optimizer, c_optimizer, **kwargs):
        super().compile(**kwargs)
        self.attach_optimizers(d_optimizer=(d_optimizer, self.discriminator.adversarial_variables()),
                               g_optimizer=(g_optimizer, self.generator.trainable_variables),
                               c_optimizer=(c_optimizer, self.discriminator.class_variables()))

    # ----------------------------------------------------------------------------------------- math
    def class_loss(self, logits, labels):
        """Per-sample CE of the class head: softmax, or sigmoid against one-hot (``use_softmax=False``)."""
        if self.cfg.use_softmax:
            return losses.softmax_cross_entropy(logits, labels)
        onehot = ops.one_hot(labels, self.num_classes)
        return ops.mean(losses.sigmoid_bce(logits, onehot), axis=-1)

    def sample_fakes(self, batch_size):
        z = self.normal((batch_size, self.generator.z_dim))
        labels = self.randint((batch_size,), 0, self.num_classes)
        return z, labels

    @staticmethod
    def diversity(fakes, z):
        """L_div = mean|x~1 - x~2| / mean|z1 - z2| over the halves of the batch."""
        half = ops.shape(z)[0] // 2
        return (ops.mean(ops.abs(fakes[:half] - fakes[half:2 * half]))
                / ops.mean(ops.abs(z[:half] - z[half:2 * half])))

    # ----------------------------------------------------------------------------------------- steps
    def generator_step(self, batch_size):
        z, fake_labels = self.sample_fakes(batch_size)
        with tf.GradientTape() as tape:
            fakes = self.generator((z, fake_labels), training=True)
            source, class_logits = self.discriminator(fakes, training=True)
            g_adv = self.g_loss_fn(source)
            g_cls = ops.mean(self.class_loss(class_logits, fake_labels))
            g_loss = g_adv + self.cfg.acgan_scale_g * g_cls
            if self.cfg.diversity_promoting_weight:
                g_loss -= self.cfg.diversity_promoting_weight * self.diversity(fakes, z)
        variables = self.generator.trainable_variables
        self.minimize(self.g_optimizer, tape, g_loss, variables)
        return g_loss, g_adv, g_cls

    def discriminator_step(self, real):
        batch_size = ops.shape(real)[0]
        z, fake_labels = self.sample_fakes(batch_size)
        fakes = ops.stop_gradient(self.generator((z, fake_labels), training=True))
        with tf.GradientTape() as tape:
            source, _ = self.discriminator(ops.concatenate([real, fakes], 0), training=True)
            d_loss = self.d_loss_fn(source[:batch_size], source[batch_size:])
            if self.train_cfg.mode == "wgan-gp":
                d_loss += self.train_cfg.lambda_gp * self.gradient_penalty(real, fakes)
        variables = self.discriminator.adversarial_variables()
        self.minimize(self.d_optimizer, tape, d_loss, variables)
        return d_loss

    def class_step(self, real, labels):
        with tf.GradientTape() as tape:
            _, class_logits = self.discriminator(real, training=True)
            c_loss = self.cfg.acgan_scale * ops.mean(self.class_loss(class_logits, labels))
        variables = self.discriminator.class_variables()
        self.minimize(self.c_optimizer, tape, c_loss, variables)
        return c_loss, accuracy(class_logits, labels)

    def gradient_penalty(self, real, fakes):
        """GP on the source logit only (as IntroGAN's decision (b), docs/methods.md#introgan)."""
        return self.interpolation_penalty(lambda x: self.discriminator(x, training=True)[0], real, fakes)

    def phase(self, iteration):
        """``first`` at iteration 0 (no G step: applying zero gradients would still advance Adam), else ``train``."""
        return "first" if iteration == 0 else "train"

    def phase_step(self, data, phase):
        images, labels = data
        batches = self.split_element(images, labels)  # critic_iters adversarial batches, then class_iters
        critic_batches, class_batches = batches[:self.train_cfg.critic_iters], batches[self.train_cfg.critic_iters:]
        zero = ops.convert_to_tensor(0.0)
        g_results, d_loss = (zero, zero, zero), zero
        if not self.classification_only:
            if phase != "first":
                g_results = self.generator_step(self.batch_size)
            for real, _ in critic_batches:
                d_loss = self.discriminator_step(real)
        for real, real_labels in class_batches:
            c_loss, train_acc = self.class_step(real, real_labels)
        self.iteration.assign_add(1)
        values = dict(zip(["g_loss", "g_adv", "g_cls"], g_results), d_loss=d_loss, c_loss=c_loss,
                      train_acc=train_acc)
        return self.report(values)

    # ----------------------------------------------------------------------------------------- inference
    def classify(self, images):
        """Class logits [N, C] of images in [-1, 1]: prediction is their argmax."""
        return self.discriminator(images, training=False)[1]

    def generate(self, z, labels):
        """Images in [-1, 1] of classes ``labels`` (internal ids)."""
        return self.generator((z, labels), training=False)
