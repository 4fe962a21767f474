"""AC-GAN as a continual baseline (``acgan``; docs/methods.md#acgan).

Odena, Olah, Shlens, *Conditional Image Synthesis with Auxiliary Classifier
GANs*, ICML 2017 (reference code clvrai/ACGAN-PyTorch).  Networks:
networks.py; losses and one iteration: model.py.  Two uses:

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

Networks: CIFAR-10's 32x32 pair for 28..32-pixel data, the ImageNet-folder
128x128 pair for 128-pixel data (``--dataset image_folder --image_size 128``),
chosen from the data's shape (networks.py); other shapes are a one-line error.

Conditioning: z has ``--z_dim`` = 110 entries ~ N(0, I) (the original's nz) and
its first ``num_classes`` entries are overwritten by the one-hot label, as the
original (issue #8 asks why; it is kept so that the method is the published
one).  The exported ``generate`` signature therefore takes z of size z_dim; the
entries a label overwrites are ignored.

Inference: sampling and classification run D and G with ``training=False``:
Dropout off and BN on its moving statistics.  The original never switches netG
to eval mode, so its samples use the statistics of whatever batch is drawn; we
prefer a sample that does not depend on the rest of its batch (the export and the
per-class FID draw batches of one class), and the tests check that such samples
are sane.  Fresh Adams every session.  Accuracy is the
argmax of D's class logits over the seen classes.
"""

from introgan_tf.data.pipeline import make_pool
from introgan_tf.methods.acgan.model import ACGANModel
from introgan_tf.methods.acgan.networks import ACGANDiscriminator, ACGANGenerator, network_size
from introgan_tf.methods.base import ContinualMethod


class ACGAN(ContinualMethod):
    """Sequential fine-tuning (lower bound) or joint retraining (upper bound) of one AC-GAN."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.joint = config.acgan.joint
        self.generator = None       # the previous session's networks (sequential continuation)
        self.discriminator = None
        self.pool_classes = ()      # new-label ids of the classes in the current pool
        network_size(info.image_shape)  # networks for the data's shape, or a one-line error

    def trained_classes(self, session):
        """(low, high): the new-label ids the session trains on (its pool and its fake labels)."""
        return (0 if self.joint else session.num_old), session.num_seen

    def fresh_networks(self):
        """The CIFAR-10 pair for 28..32-pixel images, the ImageNet-folder pair for 128 (networks.network_size)."""
        channels, size, train = self.info.image_shape[-1], network_size(self.info.image_shape), self.config.train
        return (ACGANGenerator(self.info.num_classes, channels=channels, size=size, z_dim=train.z_dim,
                               dim=train.dim),
                ACGANDiscriminator(self.info.num_classes, channels=channels, size=size, dim=train.dim))

    def make_model(self, generator, discriminator, session) -> ACGANModel:
        aux = self.config.aux
        model = ACGANModel(generator, discriminator, session.num_seen, self.trained_classes(session),
                           self.info.image_shape, aux.acgan_scale, aux.acgan_scale_g, self.config.train.batch_size,
                           seed=self.session_seed(session))
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        self.timings = {}
        low, high = self.trained_classes(session)
        self.pool_classes = tuple(range(low, high))
        sessions = self.scenario.sessions[:session.index] if self.joint else [session]
        self.pool = make_pool([self.scenario.train_data(s) for s in sessions])
        if self.generator is None or not self.config.growth.finetune:
            generator, discriminator = self.fresh_networks()
        else:
            generator, discriminator = self.generator, self.discriminator
        self.model = self.make_model(generator, discriminator, session)

    def build_session_model(self, session) -> None:
        self.model = self.make_model(*self.fresh_networks(), session)

    def end_session(self, session) -> None:
        super().end_session(session)
        self.generator = self.model.generator
        self.discriminator = self.model.discriminator

    def summary(self) -> dict:
        """Session diagnostics for results.json (original label ids)."""
        order = self.scenario.class_order
        return {"joint": self.joint, "pool_classes": [int(order[c]) for c in self.pool_classes],
                "pool_size": self.pool_size()}
