"""AC-GAN as a continual baseline (``acgan``, baselines.md section 7).

Odena, Olah, Shlens, *Conditional Image Synthesis with Auxiliary Classifier
GANs*, ICML 2017 (reference code clvrai/ACGAN-PyTorch).  Networks:
models/acgan_networks.py; losses and one iteration: acgan_model.py.  Two uses
(7.4, "Continual use"):

* sequential (``--joint`` off, the default; ``finetune`` resolves to True): each
  session trains on the real images of its **new** classes only, and G and D
  continue from the previous session -- a lower bound for generation and
  classification (no replay, no regulariser);
* ``--joint``: each session trains on the real images of **every** seen class;
  ``finetune`` resolves to False, so G and D start from scratch every session --
  the upper bound.

Label space: fixed at ``info.num_classes`` from the start (the original has a
fixed ``--num_classes``; nothing grows).  The fake labels y~ are drawn uniformly
over the classes the session trains on: the new ones (sequential) or all seen
(joint).  Drawing old classes in the sequential run would make G rehearse its
own old classes against D's class head -- self-replay, no longer a lower bound.

Conditioning: z has NZ = 110 entries ~ N(0, I) and its first ``num_classes``
entries are overwritten by the one-hot label, as the original (issue #8 asks
why; it is kept so that the method is the published one).  The exported
``generate`` signature therefore takes z of size 110 (``z_dim``); the entries a
label overwrites are ignored.

Inference: sampling and classification run D and G with ``training=False``:
Dropout off and BN on its moving statistics.  The original never switches netG
to eval mode, so its samples use the statistics of whatever batch is drawn; we
prefer a sample that does not depend on the rest of its batch (the export and the
per-class FID draw batches of one class), and the tiny runs of tests/test_acgan.py
check that such samples are sane.  Fresh Adams every session.  Accuracy is the
argmax of D's class logits over the seen classes.
"""

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool
from introgan_tf.data.scenario import Session
from introgan_tf.errors import InputError
from introgan_tf.methods.acgan_model import ACGANModel
from introgan_tf.methods.base import ContinualMethod, batched
from introgan_tf.models.acgan_networks import NZ, ACGANDiscriminator32, ACGANGenerator
from introgan_tf.models.resolution import SIZE

RNG_SAMPLES = 1  # purpose of the sampling noise generator (see ContinualMethod.rng)


class ACGAN(ContinualMethod):
    """Sequential fine-tuning (lower bound) or joint retraining (upper bound) of one AC-GAN."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        if config.train.mode != "dcgan":
            raise InputError(f"--mode={config.train.mode}: acgan trains with the dcgan (BCE) losses only")
        if config.train.critic_iters != 1:
            raise InputError(f"--critic_iters={config.train.critic_iters}: acgan does one D step per G step")
        height, width, _ = info.image_shape
        if height > SIZE or width > SIZE:
            raise InputError(f"--dataset={info.name}: acgan's networks take images of at most {SIZE}x{SIZE}")
        self.joint = config.baseline.joint
        self.generator = None       # the previous session's networks (sequential continuation)
        self.discriminator = None
        self.pool_classes = ()      # new-label ids of the classes in the current pool
        self.sample_rng = np.random.default_rng([config.seed, 0, RNG_SAMPLES])
        self._classify_fn = (None, None)  # (model, its traced logits function)
        self._sample_fn = (None, None)

    def trained_classes(self, session: Session):
        """(low, high): the new-label ids the session trains on (its pool and its fake labels)."""
        return (0 if self.joint else session.num_old), session.num_seen

    def fresh_networks(self):
        channels = self.info.image_shape[-1]
        return (ACGANGenerator(self.info.num_classes, channels=channels),
                ACGANDiscriminator32(self.info.num_classes, channels=channels))

    def make_model(self, generator, discriminator, session: Session) -> ACGANModel:
        base = self.config.baseline
        model = ACGANModel(generator, discriminator, session.num_seen, self.trained_classes(session),
                           self.info.image_shape, base.acgan_scale, base.acgan_scale_g,
                           seed=self.config.seed * 100 + session.index)
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session: Session) -> None:
        self.timings = {}
        low, high = self.trained_classes(session)
        self.pool_classes = tuple(range(low, high))
        sessions = self.scenario.sessions[:session.index] if self.joint else [session]
        self.pool = make_pool([self.scenario.train_data(s) for s in sessions])
        if self.generator is None or not self.config.introgan.finetune:
            generator, discriminator = self.fresh_networks()
        else:
            generator, discriminator = self.generator, self.discriminator
        self.model = self.make_model(generator, discriminator, session)

    def build_session_model(self, session: Session) -> None:
        self.model = self.make_model(*self.fresh_networks(), session)

    def end_session(self, session: Session) -> None:
        self.sample_rng = self.rng(session, RNG_SAMPLES)
        self.generator = self.model.generator
        self.discriminator = self.model.discriminator

    def image_spec(self):
        # Any batch size: one trace per model, not one per distinct batch length.
        return tf.TensorSpec([None] + list(self.info.image_shape), tf.float32)

    def classify(self, images: np.ndarray) -> np.ndarray:
        model, fn = self._classify_fn
        if model is not self.model:  # trace once per session's model
            model = self.model
            fn = tf.function(lambda x: model(x, training=False), input_signature=[self.image_spec()])
            self._classify_fn = (model, fn)
        return batched(fn, images)

    def sample(self, labels: np.ndarray, z: np.ndarray = None) -> np.ndarray:
        labels = np.asarray(labels, np.int32)
        if z is None:  # fresh noise on every call, reproducible per session
            z = self.sample_rng.standard_normal((len(labels), NZ)).astype(np.float32)
        model, fn = self._sample_fn
        if model is not self.model:
            model = self.model
            fn = tf.function(model.generate, input_signature=[tf.TensorSpec([None, NZ], tf.float32),
                                                              tf.TensorSpec([None], tf.int32)])
            self._sample_fn = (model, fn)
        return np.concatenate([np.asarray(fn(z[i:i + 1000], labels[i:i + 1000]))
                               for i in range(0, len(labels), 1000)])

    @property
    def z_dim(self) -> int:
        return NZ

    def export_functions(self):
        """generate(z [N, 110], labels) -> [N, H, W, C] in [-1, 1]; classify(images) -> logits [N, seen]."""
        model = self.model
        return model.generate, lambda images: model(images, training=False)

    def summary(self) -> dict:
        """Session diagnostics for results.json (original label ids)."""
        order = self.scenario.class_order
        return {"joint": self.joint, "pool_classes": [int(order[c]) for c in self.pool_classes],
                "pool_size": int(len(self.pool[0])) if self.pool is not None else 0}
