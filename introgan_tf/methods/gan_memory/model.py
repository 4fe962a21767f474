"""GAN Memory's per-session Keras models: the source GAN and one task's memory + classifier (docs/methods.md).

Cong et al., *GAN Memory with No Forgetting*, NeurIPS 2020, with GAN_stability's training recipe.  One GAN
iteration, on a real batch (x, y) plus U[0, 1/128) dequantisation noise (``GANStep``):

1. G step: x~ = G(z, y), z ~ N(0, I_128), the real batch's labels; L_G = mean BCE(D_y(x~), 1) (non-saturating);
2. EMA: theta_ema <- beta theta_ema + (1 - beta) theta over the variables the G step trains;
3. D step on x and the G step's x~ (computed before G's update, detached):
   L_D = mean BCE(D_y(x), 1) + mean BCE(D_y(x~), 0) + r1_gamma * mean_b sum (dD_y(x_b)/dx_b)^2
   (R1 every ``r1_every`` D steps; losses.r1_penalty).

Adam 1e-4, betas (0, 0.99) for G and D.  The source (``SourceModel``) trains every variable of G and D,
unconditionally (label 0).  A task (``MemoryModel``) trains only its style bank in G (modulation + class bias),
and in D its style bank and a fresh head with one logit per class of the task; the source weights are frozen and
shared by every task.  A task's session runs ``gan_iterations`` GAN iterations, then ``classifier_iterations``
pseudo-rehearsal steps of the lifelong classifier (``classifier_iteration``): 36 real images of the task plus,
for every earlier task i, 36 images G_i(z, y) of one shared draw (z, y ~ U over the task's classes), labelled
with their conditioning class; one unweighted cross-entropy, Adam 1e-4.
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf import losses
from introgan_tf.errors import InputError
from introgan_tf.layers.resolution import crop_to, pad_to_32
from introgan_tf.methods.common.session_model import SessionModel, accuracy
from introgan_tf.methods.gan_memory import lowrank

GAN_TRACKED = ("d_loss", "g_loss", "r1", "d_real", "d_fake")
MEMORY_TRACKED = GAN_TRACKED + ("c_loss", "c_acc")
DEQUANTISATION = 1.0 / 128.0


def to_network_size(images, size: int):
    """Dataset-shaped images -> the networks' size: 28x28 padded to 32x32 with -1 (64x64 data passes as is)."""
    return pad_to_32(images) if size == 32 else images


def ema_update(pairs, beta: float) -> None:
    """theta_ema <- beta theta_ema + (1 - beta) theta for every (ema, trained) pair."""
    for ema, variable in pairs:
        ema.assign(beta * ema + (1.0 - beta) * variable)


class GANStep:
    """The GAN iteration both models share (a helper object, not a base class).

    Args:
      model: the SessionModel (its seed generator, optimisers and iteration counter).
      generate: (z, labels) -> 32x32 (or 64x64) images, training the G variables ``g_variables``.
      score: (images, labels) -> D's logit of each image's label, training ``d_variables``.
      ema_pairs: [(ema variable, trained variable)].
      z_dim, r1_gamma, r1_every, ema_beta: the recipe.
      g_penalty: () -> scalar added to the G loss, times ``penalty_weight``, at G steps 0, ``penalty_every``,
        2 ``penalty_every``, ... (--gm_lowrank's singular-value penalty, lowrank.py); None: no penalty.
    """

    def __init__(self, model, generate, score, g_variables, d_variables, ema_pairs, z_dim, r1_gamma, r1_every,
                 ema_beta, g_penalty=None, penalty_weight: float = 0.0, penalty_every: int = 1):
        self.model, self.generate, self.score = model, generate, score
        self.g_variables, self.d_variables, self.ema_pairs = g_variables, d_variables, ema_pairs
        self.z_dim, self.r1_gamma, self.r1_every, self.ema_beta = z_dim, float(r1_gamma), int(r1_every), ema_beta
        self.g_penalty, self.penalty_weight, self.penalty_every = g_penalty, float(penalty_weight), int(penalty_every)

    def __call__(self, real, labels):
        model = self.model
        # GAN_stability's dequantisation: uniform noise U[0, 1/128) on the real images (decision: no flip).
        real = real + model.uniform(ops.shape(real), 0.0, DEQUANTISATION)
        z = model.normal((ops.shape(real)[0], self.z_dim))
        with tf.GradientTape() as g_tape:
            fakes = self.generate(z, labels)
            g_loss = ops.mean(losses.sigmoid_bce(self.score(fakes, labels), 1.0))
            extra = {}
            if self.g_penalty is not None:
                # The compression script's Iterr % 10 == 0; a cond, so the SVDs run only at those steps.
                extra["lowrank"] = tf.cond(model.iteration % self.penalty_every == 0,
                                           lambda: self.penalty_weight * self.g_penalty(), lambda: tf.constant(0.0))
            total = g_loss + extra["lowrank"] if extra else g_loss
        model.minimize(model.g_optimizer, g_tape, total, self.g_variables)
        ema_update(self.ema_pairs, self.ema_beta)
        fakes = ops.stop_gradient(fakes)
        # R1 at iterations 0, r1_every, 2 r1_every, ... of the session (every D step by default).
        r1_weight = ops.where(model.iteration % self.r1_every == 0, self.r1_gamma, 0.0)
        with tf.GradientTape() as d_tape:
            real_logits = self.score(real, labels)
            fake_logits = self.score(fakes, labels)
            r1 = losses.r1_penalty(lambda x: self.score(x, labels), real)
            d_loss = losses.gan_memory_d_loss(real_logits, fake_logits) + r1_weight * r1
        model.minimize(model.d_optimizer, d_tape, d_loss, self.d_variables)
        return dict(d_loss=d_loss, g_loss=g_loss, r1=r1, d_real=ops.mean(real_logits), d_fake=ops.mean(fake_logits),
                    **extra)


class SourceModel(SessionModel):
    """The unconditional source GAN for ``fit``: one element is one real batch (64 by default).

    Args:
      generator, discriminator: ResNetGenerator, ResNetDiscriminator (n_out 1); every variable trains.
      generator_ema: a ResNetGenerator of the same shape holding the EMA of ``generator`` (never trained).
      domain_classifier: keras model, images -> logits over the ORIGINAL labels: the source has no classifier of
        its own, so ``classify`` (accuracy, the per-class choice of samples, the export's labels) is the
        dataset's shipped domain classifier.
      class_order: new label i is original label class_order[i]; ``num_seen``: classes seen so far.
      image_shape, batch_size, seed: as every SessionModel; ``recipe``: the GANMemoryConfig.
    """

    def __init__(self, generator, discriminator, generator_ema, domain_classifier, class_order, num_seen: int,
                 image_shape, batch_size: int, recipe, seed: int, **kwargs):
        super().__init__(GAN_TRACKED, batch_size, 1, seed, **kwargs)
        self.generator, self.discriminator, self.generator_ema = generator, discriminator, generator_ema
        self.generator_ema.trainable = False
        self.domain_classifier = domain_classifier
        self.domain_classifier.trainable = False
        self.seen_original = tf.constant([int(c) for c in class_order[:num_seen]], tf.int32)
        self.image_shape = tuple(image_shape)
        self.size = generator.image_size
        self.step = GANStep(self, lambda z, y: generator(z), lambda x, y: discriminator(x),
                            generator.trainable_variables, discriminator.trainable_variables,
                            list(zip(generator_ema.weights, generator.weights)), generator.z_dim,
                            recipe.r1_gamma, recipe.r1_every, recipe.ema_beta)

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        super().compile(**kwargs)
        self.attach_optimizers(g_optimizer=(g_optimizer, self.generator.trainable_variables),
                               d_optimizer=(d_optimizer, self.discriminator.trainable_variables))

    def train_step(self, data):
        images, labels = data
        values = self.step(to_network_size(images, self.size), ops.zeros_like(labels))
        self.iteration.assign_add(1)
        return self.report(values)

    def generate(self, z):
        """Samples of the EMA generator, dataset-shaped, in [-1, 1]."""
        return crop_to(self.generator_ema(z), self.image_shape)

    def classify(self, images):
        """The domain classifier's logits over the seen classes, in new-label order."""
        return tf.gather(self.domain_classifier(images, training=False), self.seen_original, axis=1)

    def predict_generated(self, z):
        return tf.argmax(self.classify(self.generate(z)), axis=-1, output_type=tf.int32)


class MemorySlot(keras.layers.Layer):
    """An unbuilt holder for task t's compressed memory: Keras refuses new sub-layers on the built model, not on
    an unbuilt one, and tracking it here puts it in the model's checkpoint and SavedModel."""

    def call(self, inputs):  # pragma: no cover - never called
        return inputs


class MemoryModel(SessionModel):
    """One task of GAN Memory for ``fit``: its memory's GAN phase, then the lifelong classifier's phase.

    One ``fit`` element holds max(batch_size, classifier_batch) rows of the task's real images; a GAN iteration
    uses the first ``batch_size`` of them, a classifier step ``classifier_batch``.

    Args:
      base_generator, base_discriminator: the normalised, frozen source networks (shared by every task).
      memories: StyleBanks of the finished tasks 1..t-1 (frozen; task i generates with memories[i - 1]).
      bank: the task's trained StyleBank of G; ``ema_bank``: its EMA, the task's memory.
      d_bank, d_head: the task's StyleBank of D and its head Dense(n_labels).
      classifier: MemoryClassifier over every class of the dataset.
      nb_cl: classes per task; the task's new labels are nb_cl (t - 1) + y, y = 0..nb_cl-1.
      image_shape: dataset images; recipe: GANMemoryConfig; batch_size: the GAN batch; seed: the SeedGenerator's.

    With ``recipe.lowrank`` (lowrank.py) the banks are LowRankBanks: the G step adds the singular-value penalty,
    every bank reads the shared bases of the memories before it, and after the task the method puts the
    compressed memory into ``stored`` (an unbuilt layer, so it can take it after ``fit``), which sampling and the
    export then use for task t in place of the EMA.
    """

    def __init__(self, base_generator, base_discriminator, memories, bank, ema_bank, d_bank, d_head, classifier,
                 nb_cl: int, image_shape, recipe, batch_size: int, seed: int, **kwargs):
        tracked = MEMORY_TRACKED + (("lowrank",) if recipe.lowrank else ())
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        # Checked first, so that the error names the flag (the element below is max(batch, classifier_batch)).
        for flag, value in (("--batch_size", batch_size), ("--classifier_batch", recipe.classifier_batch),
                            ("--replay_batch_per_task", recipe.replay_batch_per_task)):
            if int(value) % replicas:
                raise InputError(f"{flag}={value}: must be a multiple of the {replicas} replicas of --strategy")
        super().__init__(tracked, max(batch_size, recipe.classifier_batch), 1, seed, **kwargs)
        self.generator, self.discriminator = base_generator, base_discriminator
        self.memories = list(memories)
        for k, memory in enumerate(self.memories, start=1):
            setattr(self, f"memory_{k}", memory)  # attributes: tf.train.Checkpoint tracks them by these names
        self.bank, self.ema_bank, self.d_bank, self.d_head, self.classifier = bank, ema_bank, d_bank, d_head, classifier
        self.nb_cl = int(nb_cl)
        self.num_old = self.nb_cl * len(self.memories)
        self.num_seen = self.num_old + self.nb_cl
        self.image_shape = tuple(image_shape)
        self.size = base_generator.image_size
        # Global row counts: a GAN iteration reads the element's first gan_rows, a classifier step its first
        # classifier_rows (for_replicas gives every replica the whole element; each keeps its share).
        self.gan_rows = int(batch_size)
        self.classifier_rows = int(recipe.classifier_batch)
        self.replay_batch = int(recipe.replay_batch_per_task) // self.num_replicas  # a replica's share
        self.gan_iterations = int(recipe.gan_iterations)
        self.stored = MemorySlot(name="stored")
        penalty = (lambda: lowrank.penalty(bank)) if recipe.lowrank else None
        self.step = GANStep(self, lambda z, y: base_generator(z, styles=bank.styles(y, self.memories)),
                            lambda x, y: base_discriminator(x, y, styles=d_bank.styles(), head=d_head),
                            bank.trainable_variables, d_bank.trainable_variables + d_head.trainable_variables,
                            list(zip(ema_bank.weights, bank.weights)), base_generator.z_dim,
                            recipe.r1_gamma, recipe.r1_every, recipe.ema_beta, g_penalty=penalty,
                            penalty_weight=recipe.lowrank_weight or 0.0, penalty_every=recipe.lowrank_every or 1)

    def compile(self, g_optimizer, d_optimizer, c_optimizer, **kwargs):
        super().compile(**kwargs)
        self.attach_optimizers(
            g_optimizer=(g_optimizer, self.bank.trainable_variables),
            d_optimizer=(d_optimizer, self.d_bank.trainable_variables + self.d_head.trainable_variables),
            c_optimizer=(c_optimizer, self.classifier.trainable_variables))

    # ----------------------------------------------------------------------------------------- memories
    def task_images(self, bank, z, local_labels):
        """Dataset-shaped images of one memory for z and the task's own labels 0..nb_cl-1."""
        styles = bank.styles(local_labels, self.earlier_memories(bank))
        return crop_to(self.generator(z, styles=styles), self.image_shape)

    def earlier_memories(self, bank):
        """The memories before ``bank``: tasks 1..i-1 for memory i, every finished one for the current task's."""
        for index, memory in enumerate(self.memories):
            if memory is bank:
                return self.memories[:index]
        return self.memories

    def store(self, memory) -> None:
        """Task t's compressed memory (--gm_lowrank): sampling and the export use it from now on."""
        self.stored.memory = memory

    def task_banks(self):
        """The memory of every seen task: the finished ones, then the current task's (its EMA until stored)."""
        stored = getattr(self.stored, "memory", None)
        return self.memories + [self.ema_bank if stored is None else stored]

    def replay_batch_data(self):
        """The classifier's generated images: one draw (z, y) shared by every earlier task i, labelled nb_cl i + y."""
        z = self.normal((self.replay_batch, self.generator.z_dim))
        local = self.randint((self.replay_batch,), 0, self.nb_cl)
        images = [self.task_images(memory, z, local) for memory in self.memories]
        labels = [local + self.nb_cl * i for i in range(len(self.memories))]
        return ops.concatenate(images, 0), ops.concatenate(labels, 0)

    # ----------------------------------------------------------------------------------------- phases
    def for_replicas(self, dataset):
        """Every replica receives the whole element (R copies, split contiguously by tf.distribute).

        The two phases read different prefixes of one element (``gan_rows`` and ``classifier_rows``), so no
        single reordering gives every replica its share of both; a replica keeps its rows of the prefix a step
        reads (:meth:`replica_rows`), and R replicas read exactly the rows one device reads.
        """
        if self.num_replicas == 1:
            return dataset
        replicas = self.num_replicas
        return dataset.map(lambda images, labels: (tf.concat([images] * replicas, 0),
                                                   tf.concat([labels] * replicas, 0)))

    def gan_iteration(self, images, labels):
        real = to_network_size(self.replica_rows(images[:self.gan_rows]), self.size)
        values = self.step(real, self.replica_rows(labels[:self.gan_rows]) - self.num_old)
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return ops.convert_to_tensor(0.0)

    def classifier_iteration(self, images, labels):
        images = self.replica_rows(images[:self.classifier_rows])
        labels = ops.cast(self.replica_rows(labels[:self.classifier_rows]), "int32")
        if self.memories:
            replay_images, replay_labels = self.replay_batch_data()
            images = ops.concatenate([images, replay_images], 0)
            labels = ops.concatenate([labels, replay_labels], 0)
        with tf.GradientTape() as tape:
            logits = self.classifier(images, training=True)
            c_loss = ops.mean(losses.softmax_cross_entropy(logits, labels))
        variables = self.classifier.trainable_variables
        self.minimize(self.c_optimizer, tape, c_loss, variables)
        self.trackers["c_loss"].update_state(c_loss)
        self.trackers["c_acc"].update_state(accuracy(logits[:, :self.num_seen], labels))
        return ops.convert_to_tensor(0.0)

    def phase(self, iteration):
        """``gan`` for the memory's iterations, then ``classifier`` (compiled steps chosen on the host)."""
        return "gan" if iteration < self.gan_iterations else "classifier"

    def phase_step(self, data, phase):
        images, labels = data
        if phase == "gan":
            self.gan_iteration(images, labels)
        else:
            self.classifier_iteration(images, labels)
        self.iteration.assign_add(1)
        return self.logs()

    # ----------------------------------------------------------------------------------------- inference
    def generate(self, z, labels):
        """Images of the new-label ids ``labels`` (any seen class): task i's classes from task i's memory only."""
        labels = ops.cast(labels, "int32")
        task, local = labels // self.nb_cl, labels % self.nb_cl
        images = None
        for index, bank in enumerate(self.task_banks()):
            part = self.task_images(bank, z, local)
            # A selection, not a sum: task i's rows are exactly its memory's output, bit for bit.
            images = part if images is None else ops.where(ops.reshape(ops.equal(task, index), (-1, 1, 1, 1)),
                                                           part, images)
        return images

    def classify(self, images):
        """The lifelong classifier's logits over the seen classes."""
        return self.classifier(images, training=False)[:, :self.num_seen]
