"""MeRGAN, official protocol (``mergan``; docs/methods.md#mergan).

Wu et al., *Memory Replay GANs: learning to generate images from new categories without forgetting*, NeurIPS
2018 (reference code ``WuChenshen/MeRGAN``).  The losses are in model.py; this module is the session logic:

* the label space is fixed at the dataset's class count from the start: the CondBN tables and the AC head
  never grow; ``classify`` slices the seen classes;
* ``sft`` / ``jtr`` / ``ra``: G and D continue across sessions; session s trains on the real images of its new
  classes only, with y~ uniform over them; after each session the trained G is copied into a frozen G_old that
  the next session's replay terms use.  "Task t" is generalised to ``nb_cl`` >= 1 classes per session: t = the
  number of old classes, n = floor(B / t) replay samples per class;
* ``joint`` (the project's variant of ``joint.py``): every session trains a fresh model from scratch on the real
  images of every seen class, y~ uniform over the seen classes;
* fresh Adams every session.

Accuracy is the argmax of the AC head over the seen classes.  The networks are chosen from the image shape
(networks.py): the 32x32 pair for MNIST (padded with -1, generated images cropped back to 28x28) and SVHN, the
64x64 ResNets for LSUN, with LSUN's replay terms (model.py: n = B samples per old class, RA not averaged over
the old classes, JTR averaged).
"""

from introgan_tf.data.pipeline import make_pool
from introgan_tf.layers.resolution import network_side
from introgan_tf.methods.base import ContinualMethod
from introgan_tf.methods.common.frozen import frozen_copy
from introgan_tf.methods.mergan.model import MeRGANModel
from introgan_tf.methods.mergan.networks import SIDES, make_networks


class MeRGAN(ContinualMethod):
    """WGAN-GP AC-GAN with sequential fine-tuning, Replay Alignment or Joint Training with Replay."""

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.generator = None      # G after the last finished session (continued by sft / jtr / ra)
        self.critic = None         # D after the last finished session
        self.old_generator = None  # frozen copy of G, the replay source of the next session
        self.session = None        # the session whose model is current
        network_side(config.method, info.image_shape, SIDES)  # networks for the data's shape, or a one-line error

    # ---------------------------------------------------------------------------------------- helpers
    @property
    def mode(self) -> str:
        return self.config.mergan.mergan_mode

    def new_networks(self):
        train = self.config.train
        return make_networks(self.info.num_classes, self.info.image_shape, train.z_dim, train.dim)

    def num_replayed(self, session) -> int:
        """t: the old classes the session replays (none for sft and joint)."""
        return session.num_old if self.mode in ("ra", "jtr") else 0

    def replay_per_class(self, session) -> int:
        """n = floor(B / t) samples per old class and replay term (n = B on the 64x64 networks, LSUN's)."""
        t = self.num_replayed(session)
        if not t:
            return 0
        return self.config.train.batch_size if network_side("mergan", self.info.image_shape, SIDES) == 64 \
            else self.config.train.batch_size // t

    def make_model(self, session, generator, critic, old_generator) -> MeRGANModel:
        fake_classes = range(session.num_seen) if self.mode == "joint" else session.new_classes
        model = MeRGANModel(generator, critic, old_generator, fake_classes, self.num_replayed(session),
                            session.num_seen, self.info.image_shape, self.config.mergan, self.config.aux,
                            self.config.train, seed=self.session_seed(session))
        model.compile(d_optimizer=self.adam(), g_optimizer=self.adam(), jit_compile=self.use_xla())
        self.session = session
        return model

    def keeps_old_generator(self, session) -> bool:
        """Whether the session's model holds G_old (every non-joint session after the first)."""
        return self.mode != "joint" and session.index > 1

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        self.timings = {}
        if self.mode == "joint":  # from scratch on every seen class
            self.pool = make_pool([self.scenario.train_data(s) for s in self.scenario.sessions[:session.index]])
            self.model = self.make_model(session, *self.new_networks(), None)
            return
        self.pool = make_pool([self.scenario.train_data(session)])
        if self.generator is None:
            generator, critic = self.new_networks()
        else:
            generator, critic = self.generator, self.critic
        old = self.old_generator if self.keeps_old_generator(session) else None
        if old is None and self.keeps_old_generator(session):
            raise RuntimeError(f"session {session.index} began without the previous session's generator")
        self.model = self.make_model(session, generator, critic, old)

    def build_session_model(self, session) -> None:
        """Empty model with the session's end-state structure (G, D, G_old where kept), to restore into."""
        generator, critic = self.new_networks()
        old = frozen_copy(generator) if self.keeps_old_generator(session) else None
        self.model = self.make_model(session, generator, critic, old)

    def end_session(self, session) -> None:
        super().end_session(session)
        self.generator, self.critic = self.model.generator, self.model.critic
        # G_old for the next session: weights copied, not shared.
        self.old_generator = frozen_copy(self.generator) if self.mode != "joint" else None

    def checkpoint_objects(self) -> dict:
        objects = super().checkpoint_objects()
        if self.model.old_generator is not None:  # needed by RA / JTR after a mid-session resume
            objects["old_generator"] = self.model.old_generator
        return objects

    def summary(self) -> dict:
        """Which variant ran, with its replay settings (results.json, per session)."""
        session = self.session
        record = {"mergan_mode": self.mode, "ra_factor": self.config.mergan.ra_factor,
                  "replayed_old_classes": self.num_replayed(session),
                  "replay_per_old_class": self.replay_per_class(session),
                  "pool_size": self.pool_size()}
        if self.mode == "joint":
            record["joint_classes"] = [int(c) for c in session.seen_original]
        return record
