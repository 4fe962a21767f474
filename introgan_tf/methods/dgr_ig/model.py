"""DGR-ig's per-session Keras model: the GAN phase, then the solver phase (docs/methods.md#dgr_ig).

Shin et al., *Continual Learning with Deep Generative Replay*, NIPS 2017, as the IntroGAN repository runs it
(``*_train_dgr.py``).  One ``fit`` of ``generator_iterations + solver_iterations`` runs both phases of a session,
switched on the iteration counter i, on the same pool (the new classes' real images and, after session 1, the
replay of the previous scholar, all uint8):

* GAN phase, i < generator_iterations: one G step if i > 0, then ``critic_iters`` D steps, each on the next real
  batch.  ``dcgan``: L_D = 1/2 [mean BCE(s(x~), 0) + mean BCE(s(x), 1)], L_G = mean BCE(s(x~), 1), unweighted;
  ``wgan-gp``: the WGAN losses with the penalty on the real/fake logit, per sample (the original's penalty
  reduced over the wrong axis; not reproduced).
* Solver phase: one step on the element's first batch, L_S = mean_b w_b CE(S(x_b), y_b) with w = r for the new
  classes' real images and 1 - r for the replay (r = ``dgr_ratio``; w = 1 in session 1).  Replay labels are the
  old classes, real labels the new ones, so the weight follows from the label.

Three Adams (G, D, solver at ``solver_adam_lr``), fresh every session.
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.config import DGRConfig, TrainConfig
from introgan_tf.methods.common.session_model import SessionModel, accuracy

TRACKED = ("d_loss", "g_loss", "s_loss", "s_acc")


class DGRIGModel(SessionModel):
    """G, D and the solver of one session for ``fit``; each element is ``critic_iters * B`` pool rows.

    Args:
      generator: UnconditionalGenerator.
      discriminator: SourceDiscriminator.
      solver: CNNClassifier over the ``num_seen`` classes.
      num_old: classes replayed this session (labels below it are replay).
      dgr: generator_iterations, dgr_ratio.
      train: batch_size, critic_iters, mode, lambda_gp.
      seed: seed of the in-graph SeedGenerator (z, GP mixing).
    """

    def __init__(self, generator, discriminator, solver, num_old: int, dgr: DGRConfig, train: TrainConfig,
                 seed: int, **kwargs):
        super().__init__(TRACKED, train.batch_size, train.critic_iters, seed, **kwargs)
        self.generator, self.discriminator, self.solver = generator, discriminator, solver
        self.num_old = num_old
        self.generator_iterations = dgr.generator_iterations
        self.ratio = float(dgr.dgr_ratio)
        self.train_cfg = train
        self.d_loss_fn, self.g_loss_fn = losses.ADVERSARIAL_LOSSES[train.mode]

    def compile(self, g_optimizer, d_optimizer, s_optimizer, **kwargs):
        super().compile(**kwargs)
        self.attach_optimizers(g_optimizer=(g_optimizer, self.generator.trainable_variables),
                               d_optimizer=(d_optimizer, self.discriminator.trainable_variables),
                               s_optimizer=(s_optimizer, self.solver.trainable_variables))

    # ----------------------------------------------------------------------------------------- steps
    def noise(self, batch_size):
        return self.normal((batch_size, self.generator.z_dim))

    def generator_step(self):
        with tf.GradientTape() as tape:
            g_loss = self.g_loss_fn(self.discriminator(self.generator(self.noise(self.batch_size), training=True),
                                                       training=True))
        variables = self.generator.trainable_variables
        self.minimize(self.g_optimizer, tape, g_loss, variables)
        return g_loss

    def discriminator_step(self, real):
        fakes = ops.stop_gradient(self.generator(self.noise(self.batch_size), training=True))
        with tf.GradientTape() as tape:
            logits = self.discriminator(ops.concatenate([real, fakes], 0), training=True)
            d_loss = self.d_loss_fn(logits[:self.batch_size], logits[self.batch_size:])
            if self.train_cfg.mode == "wgan-gp":
                d_loss += self.train_cfg.lambda_gp * self.interpolation_penalty(
                    lambda x: self.discriminator(x, training=True), real, fakes)
        variables = self.discriminator.trainable_variables
        self.minimize(self.d_optimizer, tape, d_loss, variables)
        return d_loss

    def sample_weights(self, labels):
        """r for the new classes' real images, 1 - r for the replay (labels < num_old); 1 without replay."""
        if not self.num_old:
            return ops.ones(ops.shape(labels), "float32")
        return ops.where(labels >= self.num_old, self.ratio, 1.0 - self.ratio)

    def solver_step(self, images, labels):
        with tf.GradientTape() as tape:
            logits = self.solver(images, training=True)
            s_loss = ops.mean(self.sample_weights(labels) * losses.softmax_cross_entropy(logits, labels))
        variables = self.solver.trainable_variables
        self.minimize(self.s_optimizer, tape, s_loss, variables)
        return s_loss, accuracy(logits, labels)

    def gan_iteration(self, batches, generator_step=True):
        zero = ops.convert_to_tensor(0.0)
        g_loss = self.generator_step() if generator_step else zero
        for real, _ in batches:
            d_loss = self.discriminator_step(real)
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["d_loss"].update_state(d_loss)
        return zero

    def solver_iteration(self, batches):
        s_loss, s_acc = self.solver_step(*batches[0])
        self.trackers["s_loss"].update_state(s_loss)
        self.trackers["s_acc"].update_state(s_acc)
        return ops.convert_to_tensor(0.0)

    def phase(self, iteration):
        """``gan_first`` at iteration 0 (no G step: zero gradients would still advance Adam), ``gan`` until
        ``generator_iterations``, then ``solver`` (compiled steps chosen on the host: no ``tf.cond``)."""
        if iteration == 0:
            return "gan_first"
        return "gan" if iteration < self.generator_iterations else "solver"

    def phase_step(self, data, phase):
        batches = self.split_element(*data)
        if phase == "solver":
            self.solver_iteration(batches)
        else:
            self.gan_iteration(batches, generator_step=phase == "gan")
        self.iteration.assign_add(1)
        return self.logs()

    # ----------------------------------------------------------------------------------------- inference
    def classify(self, images):
        """The solver's logits [N, num_seen] for images in [-1, 1]."""
        return self.solver(images, training=False)

    def generate(self, z):
        """Images in [-1, 1] from z [N, 100] (an unconditional generator)."""
        return self.generator(z, training=False)

    def predict_generated(self, z):
        """The class a user of ``generate`` would get for each image: argmax of ``classify(generate(z))``."""
        return tf.argmax(self.classify(self.generate(z)), axis=-1, output_type=tf.int32)
