"""AC-GAN's per-session Keras model: the losses and one iteration (docs/methods.md#acgan).

Odena, Olah, Shlens, *Conditional Image Synthesis with Auxiliary Classifier
GANs*, ICML 2017.  D has a source logit s and class logits c over the run's
fixed label space (networks.py).  Per iteration, on one real batch (x, y)
and one fake batch x~ = G(z, y~) with z ~ N(0, I_110) (its first entries
overwritten by onehot(y~)) and y~ uniform over ``fake_classes``:

    D step (x~ detached):
        L_D = mean BCE(s(x), 1) + acgan_scale * mean CE(c(x), y)
            + mean BCE(s(x~), 0) + acgan_scale * mean CE(c(x~), y~)
    then G step, on the same x~ scored by the updated D:
        L_G = mean BCE(s(x~), 1) + acgan_scale_g * mean CE(c(x~), y~)

BCE is sigmoid cross-entropy from logits; CE is the log-softmax cross-entropy
from logits.  Decision: the original applies NLLLoss to *softmax*
outputs (issues #3 / #8, PR #4); that bug is not reproduced.  D classifies real
*and* fake images, unlike MeRGAN-ig.  As the original, D scores the
real and the fake batch in separate calls (BN batch statistics per batch), and
G is run once per iteration: its fakes feed both steps.  Dropout and BN run in
training mode in every step.
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.layers.resolution import crop_to, pad_to
from introgan_tf.methods.common.session_model import SessionModel, accuracy


def class_loss(logits, labels):
    """Per-sample log-softmax cross-entropy from logits (not the original's NLL of softmax outputs)."""
    return losses.softmax_cross_entropy(logits, labels)


def source_loss(logits, target: float):
    """Per-sample BCE of the source logit against ``target`` (1 real, 0 fake)."""
    return losses.sigmoid_bce(logits, target)


TRACKED = ("d_loss", "g_loss", "d_real_cls", "d_fake_cls", "g_cls", "train_acc", "fake_acc")


class ACGANModel(SessionModel):
    """Wraps one session's G and D for ``fit``; one ``fit`` element is one real batch.

    Args:
      generator: ACGANGenerator over the run's label space.
      discriminator: ACGANDiscriminator over the same label space.
      num_seen: classes seen so far: ``call`` returns the class logits [:, :num_seen].
      fake_classes: (low, high): y~ is drawn uniformly from low..high-1.
      image_shape: (H, W, C) of the dataset; real images are padded to the networks' side (28 -> 32), samples
        cropped back.
      acgan_scale, acgan_scale_g: class-loss weights in L_D and L_G.
      batch_size: B, one real batch per element.
      seed: seed of the in-graph SeedGenerator (z, y~).
    """

    def __init__(self, generator, discriminator, num_seen: int, fake_classes, image_shape, acgan_scale: float,
                 acgan_scale_g: float, batch_size: int, seed: int, **kwargs):
        super().__init__(TRACKED, batch_size, 1, seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.num_seen = num_seen
        self.fake_classes = tuple(int(c) for c in fake_classes)
        self.image_shape = tuple(image_shape)
        self.acgan_scale = acgan_scale
        self.acgan_scale_g = acgan_scale_g

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.attach_optimizers(d_optimizer=(d_optimizer, self.discriminator.trainable_variables),
                               g_optimizer=(g_optimizer, self.generator.trainable_variables))

    def sample_fakes(self, batch_size):
        """z ~ N(0, I_z_dim) and y~ uniform over ``fake_classes`` (G overwrites z's first entries)."""
        z = self.normal((batch_size, self.generator.z_dim))
        labels = self.randint((batch_size,), *self.fake_classes)
        return z, labels

    # ----------------------------------------------------------------------------------------- steps
    def discriminator_step(self, real, labels, fakes, fake_labels):
        """One Adam step of D on L_D; ``fakes`` have the networks' side and carry no gradient to G."""
        with tf.GradientTape() as tape:
            real_source, real_class = self.discriminator(real, training=True)
            fake_source, fake_class = self.discriminator(fakes, training=True)
            real_cls = ops.mean(class_loss(real_class, labels))
            fake_cls = ops.mean(class_loss(fake_class, fake_labels))
            d_loss = (ops.mean(source_loss(real_source, 1.0)) + self.acgan_scale * real_cls
                      + ops.mean(source_loss(fake_source, 0.0)) + self.acgan_scale * fake_cls)
        variables = self.discriminator.trainable_variables
        self.minimize(self.d_optimizer, tape, d_loss, variables)
        return dict(d_loss=d_loss, d_real_cls=real_cls, d_fake_cls=fake_cls,
                    train_acc=accuracy(real_class, labels))

    def generator_step(self, tape, fakes, fake_labels):
        """One Adam step of G on L_G; ``tape`` recorded ``fakes = G(z, y~)`` and keeps recording here."""
        with tape:
            source, class_logits = self.discriminator(fakes, training=True)
            g_cls = ops.mean(class_loss(class_logits, fake_labels))
            g_loss = ops.mean(source_loss(source, 1.0)) + self.acgan_scale_g * g_cls
        variables = self.generator.trainable_variables
        self.minimize(self.g_optimizer, tape, g_loss, variables)
        return dict(g_loss=g_loss, g_cls=g_cls, fake_acc=accuracy(class_logits, fake_labels))

    def train_step(self, data):
        images, labels = data
        real = pad_to(images, self.discriminator.size)
        z, fake_labels = self.sample_fakes(ops.shape(real)[0])
        with tf.GradientTape() as g_tape:
            fakes = self.generator((z, fake_labels), training=True)
        values = self.discriminator_step(real, labels, ops.stop_gradient(fakes), fake_labels)
        values.update(self.generator_step(g_tape, fakes, fake_labels))
        self.iteration.assign_add(1)
        return self.report(values)

    # ----------------------------------------------------------------------------------------- inference
    def generate(self, z, labels):
        """Images with the dataset's shape in [-1, 1]; BN uses its moving statistics (training=False)."""
        return crop_to(self.generator((z, labels), training=False), self.image_shape)

    def classify(self, images):
        """Class logits [N, num_seen] of dataset-shaped images in [-1, 1]: prediction is their argmax."""
        return self.discriminator(pad_to(images, self.discriminator.size), training=False)[1][:, :self.num_seen]
