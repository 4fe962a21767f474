"""DGR's per-session Keras model: the scholar's math (docs/methods.md#dgr).

Shin et al., *Continual Learning with Deep Generative Replay*, NIPS 2017, reference
protocol of ``kuc2477/pytorch-deep-generative-replay``.  The scholar is a WGAN-GP
generator G with critic D and a solver S (networks.py), all on [0, 1] images
at 32x32.  One ``fit`` of ``generator_iterations + solver_iterations`` runs the
two phases of a task, switched on the iteration counter i:

* GAN phase, i < generator_iterations: one G step if i > 0 (none at i = 0, so
  Adam does not advance), then ``critic_iters`` D steps, each on the next real
  batch x (and the next replay batch x').  The phases are compiled steps chosen
  on the host (``phase``), not a ``tf.cond``, which tf.distribute refuses.
* Solver phase: one S step on the next batch (x, y) (and (x', y')).

With r = ``importance_of_new_task``, z ~ N(0, I) (G scales it by 0.1), one fake
batch x~ = G(z) per D step, alpha ~ U(0, 1) per sample and lambda = ``lambda_gp``:

    W(x)   = mean_b D(x~_b) - mean_b D(x_b)
    GP(x)  = mean_b (||grad_u D(u)|_{u = x_b + alpha_b (x~_b - x_b)}||_2 - 1)^2   norm over all pixels of sample b
    L_D    = W(x) + lambda GP(x)                                          no replay
    L_D    = r [W(x) + lambda GP(x)] + (1 - r) [W(x') + lambda GP(x')]    replay (same x~ for both)
    L_G    = -mean_b D(G(z)_b)                                            never a replay term
    L_S    = CE(S(x), y)                                                  no replay
    L_S    = r CE(S(x), y) + (1 - r) CE(S(x'), y')                        replay

CE is the batch-mean softmax cross-entropy over the solver's whole head (every
class of the dataset, the original's single 10-way head).  The replay batch has
the batch size of the new one and comes from

* ``exact``: real images of every earlier task (a second stream of the input);
* ``generative``: x' = G_prev(z') and y' = argmax S_prev(x') over the classes
  seen before this task, G_prev and S_prev being frozen copies of the previous
  task's scholar (made at the end of that task), in inference mode.

Adam for G, D and S with PyTorch's ``weight_decay``: an L2 term wd * w added
to the gradient before Adam (Keras's own ``weight_decay`` is the decoupled AdamW
form, which is not what the original ran).  The optimisers and the networks are
created once per run and continue across tasks; only this wrapper is per task.

Deviations from the original (documented choices of this project): each D step
takes a new real batch (the original repeats one batch for its 5 D steps); the G
step comes first in an iteration (the project's schedule; the original's comes
after the D steps); the frozen previous scholar replays in inference mode (BN
moving averages; the original never switches to eval mode, so its replay used
the statistics of the replay batch); and two bugs of the original are not
reproduced (the critic flattens per sample, the GP norm is over each whole sample).
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.config import DGRConfig, TrainConfig
from introgan_tf.data.pipeline import make_train_dataset
from introgan_tf.methods.common.session_model import SessionModel, accuracy
from introgan_tf.methods.dgr.networks import from_scholar_space, to_scholar_space

REPLAY_SOURCES = (None, "exact", "generative")


class FrozenScholar:
    """The previous task's generator and solver (frozen copies) and how many classes it had seen.

    A plain holder, so that the per-task model does not track these networks:
    the method checkpoints them under their own names.
    """

    def __init__(self, generator, solver, num_classes: int):
        self.generator, self.solver, self.num_classes = generator, solver, num_classes


TRACKED = ("d_loss", "w_distance", "g_loss", "s_loss", "s_acc")


class DGRModel(SessionModel):
    """Wraps one task's scholar for ``fit`` (one iteration per element).

    Each ``fit`` element is ``critic_iters * batch_size`` new images in [-1, 1]
    and their labels; with ``replay="exact"`` the same number of replay images
    and labels follow them (the element then has twice as many rows; see
    ``train_dataset``).  The solver phase uses the first ``batch_size`` rows of
    each part.

    Args:
      generator, critic, solver: the scholar's networks (they persist across tasks).
      dgr: importance_of_new_task, generator_iterations, weight_decay.
      train: batch_size, critic_iters, lambda_gp.
      num_seen: classes seen after this task; ``classify`` returns that many logits.
      replay: None (first task or replay mode none), "exact" or "generative".
      previous: the FrozenScholar of the previous task ("generative"; replay labels are
        the argmax over the classes it had seen).
      seed: seed of the in-graph SeedGenerator (z, replay z, GP mixing).
    """

    def __init__(self, generator, critic, solver, dgr: DGRConfig, train: TrainConfig, num_seen: int,
                 replay=None, previous: FrozenScholar = None, seed: int = 0, image_shape=(28, 28, 1), **kwargs):
        super().__init__(TRACKED, train.batch_size, train.critic_iters, seed, **kwargs)
        if replay not in REPLAY_SOURCES:
            raise ValueError(f"replay must be one of {REPLAY_SOURCES}, got {replay!r}")
        if replay == "generative" and previous is None:
            raise ValueError("generative replay needs the previous task's scholar")
        self.generator, self.critic, self.solver = generator, critic, solver
        self.previous = previous
        self.replay = replay
        self.cfg = dgr
        self.train_cfg = train
        self.num_seen = num_seen
        self.image_shape = tuple(image_shape)
        self.importance = float(dgr.importance_of_new_task)

    def train_dataset(self, pool, seed: int, replay_pool=None) -> tf.data.Dataset:
        """New rows, followed in each element by as many rows of the exact-replay pool when there is one."""
        new = super().train_dataset(pool, seed)
        if replay_pool is None:
            return new
        replay = make_train_dataset(*replay_pool, self.global_element_rows, seed + 7919)
        return tf.data.Dataset.zip(new, replay).map(
            lambda a, b: (tf.concat([a[0], b[0]], 0), tf.concat([a[1], b[1]], 0)))

    def compile(self, g_optimizer, d_optimizer, s_optimizer, **kwargs):
        super().compile(**kwargs)
        # Built once (they persist across tasks): attach_optimizers leaves a built optimiser as it is.
        self.attach_optimizers(g_optimizer=(g_optimizer, self.generator.trainable_variables),
                               d_optimizer=(d_optimizer, self.critic.trainable_variables),
                               s_optimizer=(s_optimizer, self.solver.trainable_variables))

    # ----------------------------------------------------------------------------------------- math
    def scores(self, images):
        """Critic scores [N] (one per sample)."""
        return self.critic(images, training=True)[:, 0]

    def gradient_penalty(self, real, fakes, alpha=None):
        """GP = mean_b (||grad D(x^_b)||_2 - 1)^2 over all pixels of each sample (not the original's per-pixel norm)."""
        if alpha is None:
            alpha = self.uniform((ops.shape(real)[0], 1, 1, 1))
        return losses.interpolated_gradient_penalty(self.scores, real, fakes, alpha)

    def critic_loss(self, real, fakes, replay=None):
        """(L_D, the new batch's Wasserstein estimate -W(x)); with replay r * new term + (1 - r) * replay term.

        The critic scores each sample on its own, so the new, replay and fake
        batches (and the two sets of interpolates) go through it together.
        """
        batch_size = ops.shape(real)[0]
        if replay is None:
            scores = self.scores(ops.concatenate([real, fakes], 0))
            wasserstein = losses.wgan_d_loss(scores[:batch_size], scores[batch_size:])
            return wasserstein + self.train_cfg.lambda_gp * self.gradient_penalty(real, fakes), -wasserstein
        scores = self.scores(ops.concatenate([real, replay, fakes], 0))
        fake_scores = scores[2 * batch_size:]
        wasserstein = losses.wgan_d_loss(scores[:batch_size], fake_scores)
        replay_wasserstein = losses.wgan_d_loss(scores[batch_size:2 * batch_size], fake_scores)
        # One gradient for both penalties: rows 0..B-1 interpolate (x, x~), rows B..2B-1 (x', x~).
        alpha = self.uniform((2 * batch_size, 1, 1, 1))
        both = ops.concatenate([real, replay], 0)
        mixed = both + alpha * (ops.concatenate([fakes, fakes], 0) - both)
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            mixed_scores = self.scores(mixed)
        grads = tape.gradient(mixed_scores, mixed)
        new_term = wasserstein + self.train_cfg.lambda_gp * losses.gradient_penalty_from_grads(grads[:batch_size])
        replay_term = (replay_wasserstein
                       + self.train_cfg.lambda_gp * losses.gradient_penalty_from_grads(grads[batch_size:]))
        return self.importance * new_term + (1.0 - self.importance) * replay_term, -wasserstein

    def solver_loss(self, logits, labels, replay_logits=None, replay_labels=None):
        """L_S: CE on the new batch, or r * CE(new) + (1 - r) * CE(replay)."""
        new_loss = ops.mean(losses.softmax_cross_entropy(logits, labels))
        if replay_logits is None:
            return new_loss
        replay_loss = ops.mean(losses.softmax_cross_entropy(replay_logits, replay_labels))
        return self.importance * new_loss + (1.0 - self.importance) * replay_loss

    def generative_replay(self, batch_size):
        """x' = G_prev(z'), y' = argmax over the previously seen classes of S_prev(x') (frozen, inference mode)."""
        z = self.normal((batch_size, self.generator.z_dim))
        images = self.previous.generator(z, training=False)
        logits = self.previous.solver(images, training=False)[:, :self.previous.num_classes]
        return ops.stop_gradient(images), ops.cast(ops.argmax(logits, axis=-1), "int32")

    def apply_gradients(self, optimizer, tape, loss, variables):
        """Adam step with PyTorch's weight_decay: gradient + wd * w (L2 through Adam's moments, not AdamW)."""
        decay = self.cfg.weight_decay
        self.minimize(optimizer, tape, loss, variables,
                      (lambda variables: [decay * variable for variable in variables]) if decay else None)

    # ----------------------------------------------------------------------------------------- steps
    def generator_step(self, batch_size):
        z = self.normal((batch_size, self.generator.z_dim))
        with tf.GradientTape() as tape:
            g_loss = losses.wgan_g_loss(self.scores(self.generator(z, training=True)))
        self.apply_gradients(self.g_optimizer, tape, g_loss, self.generator.trainable_variables)
        return g_loss

    def critic_step(self, real, replay):
        batch_size = ops.shape(real)[0]
        z = self.normal((batch_size, self.generator.z_dim))
        fakes = ops.stop_gradient(self.generator(z, training=True))
        with tf.GradientTape() as tape:
            d_loss, w_distance = self.critic_loss(real, fakes, replay)
        self.apply_gradients(self.d_optimizer, tape, d_loss, self.critic.trainable_variables)
        return d_loss, w_distance

    def solver_step(self, images, labels, replay_images=None, replay_labels=None):
        with tf.GradientTape() as tape:
            logits = self.solver(images, training=True)
            # Separate forward passes, as the original: BN statistics of the new and replay batches stay apart.
            replay_logits = None if replay_images is None else self.solver(replay_images, training=True)
            s_loss = self.solver_loss(logits, labels, replay_logits, replay_labels)
        self.apply_gradients(self.s_optimizer, tape, s_loss, self.solver.trainable_variables)
        return s_loss, accuracy(logits, labels)

    def replay_batch(self, replay_images, replay_labels, k, batch_size):
        """The k-th replay batch of this iteration: (x', y') or (None, None)."""
        if self.replay == "exact":
            chunk = slice(k * batch_size, (k + 1) * batch_size)
            return replay_images[chunk], replay_labels[chunk]
        if self.replay == "generative":
            return self.generative_replay(batch_size)
        return None, None

    def gan_iteration(self, images, replay_images, replay_labels, generator_step=True):
        batch_size = self.batch_size
        zero = ops.convert_to_tensor(0.0)
        g_loss = self.generator_step(batch_size) if generator_step else zero

        def critic_iteration(k, d_loss, w_distance):  # a graph loop: the step is traced once, not critic_iters times
            real = images[k * batch_size:(k + 1) * batch_size]
            replay, _ = self.replay_batch(replay_images, replay_labels, k, batch_size)
            d_loss, w_distance = self.critic_step(real, replay)
            return k + 1, d_loss, w_distance

        if self.num_replicas == 1:
            _, d_loss, w_distance = tf.while_loop(lambda k, *_: k < self.train_cfg.critic_iters, critic_iteration,
                                                  (tf.constant(0), zero, zero))
        else:  # tf.distribute refuses the optimiser's (and synchronised BN's) merge_call inside a graph loop
            for k in range(self.train_cfg.critic_iters):
                _, d_loss, w_distance = critic_iteration(k, zero, zero)
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["d_loss"].update_state(d_loss)
        self.trackers["w_distance"].update_state(w_distance)
        return zero

    def solver_iteration(self, images, labels, replay_images, replay_labels):
        batch_size = self.batch_size
        replay, replay_y = self.replay_batch(replay_images, replay_labels, 0, batch_size)
        s_loss, s_acc = self.solver_step(images[:batch_size], labels[:batch_size], replay, replay_y)
        self.trackers["s_loss"].update_state(s_loss)
        self.trackers["s_acc"].update_state(s_acc)
        return ops.convert_to_tensor(0.0)

    def phase(self, iteration):
        """``gan_first`` at iteration 0 (no G step: zero gradients would still advance Adam), ``gan`` until
        ``generator_iterations``, then ``solver``."""
        if iteration == 0:
            return "gan_first"
        return "gan" if iteration < self.cfg.generator_iterations else "solver"

    def phase_step(self, data, phase):
        images, labels = data
        images = to_scholar_space(images)
        replay_images = replay_labels = None
        if self.replay == "exact":  # second half of the element: real images of the earlier tasks
            half = self.element_rows
            images, replay_images = images[:half], images[half:]
            labels, replay_labels = labels[:half], labels[half:]
        if phase == "solver":
            self.solver_iteration(images, labels, replay_images, replay_labels)
        else:
            self.gan_iteration(images, replay_images, replay_labels, generator_step=phase == "gan")
        self.iteration.assign_add(1)
        return self.logs()

    # ----------------------------------------------------------------------------------------- inference
    def classify(self, images):
        """The solver's logits [N, num_seen] for images in [-1, 1] of the dataset's size."""
        return self.solver(to_scholar_space(images), training=False)[:, :self.num_seen]

    def generate(self, z):
        """Images in [-1, 1] of the dataset's size from z [N, 100] (an unconditional generator)."""
        return from_scholar_space(self.generator(z, training=False), self.image_shape)

    def predict_generated(self, z):
        """The class a user of ``generate`` would get for each image: argmax of ``classify(generate(z))``."""
        return tf.argmax(self.classify(self.generate(z)), axis=-1, output_type=tf.int32)
