"""Lower and upper bounds: a CNN classifier, no generator (docs/methods.md#bounds).

* ``lower_bound``: each session trains on the real images of the **new** classes only; with ``finetune`` (its
  default) the previous classifier is kept and its head grows by copy + noise from the most-confused old class
  (methods/common/growth.py);
* ``upper_bound``: each session trains on the real images of **every** seen class; without ``finetune`` (its
  default) from scratch every session.

Both use Adam(adam_lr, adam_beta1, adam_beta2), fresh every session, and are evaluated by the loop's accuracy
protocol; they generate nothing.
"""

import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, to_unit_range
from introgan_tf.layers.resolution import network_side
from introgan_tf.methods.base import RNG_GROWTH, ContinualMethod
from introgan_tf.methods.bounds.model import ClassifierModel
from introgan_tf.methods.bounds.networks import SIDES, CNNClassifier
from introgan_tf.methods.common.growth import grow_class_head, most_confused_by_logits
from introgan_tf.methods.common.inference import batched


class ClassifierBound(ContinualMethod):
    """A growing CNN classifier trained on ``session_pool``; subclasses choose the pool."""

    generates = False

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.classifier = None   # the previous session's classifier
        self.most_confused = {}  # new class -> old class its head column was copied from
        network_side(config.method, info.image_shape, SIDES)  # a classifier for the data's shape, or one line

    def session_pool(self, session):
        """(uint8 images, labels) the session trains on."""
        raise NotImplementedError

    def grown_classifier(self, session) -> CNNClassifier:
        growth = self.config.growth
        if not growth.improved_finetune:
            return grow_class_head(self.classifier, session.num_seen, {}, None, copy_columns=False)
        # m(c) with the previous session's head, whose outputs are exactly the old classes.
        classifier = self.classifier
        logits = tf.function(lambda x: classifier(to_unit_range(x), training=False))
        self.most_confused = {c: most_confused_by_logits(batched(logits, self.scenario.class_train_images(c)))
                              for c in session.new_classes}
        return grow_class_head(self.classifier, session.num_seen, self.most_confused, self.rng(session, RNG_GROWTH),
                               growth.improved_finetune_noise_level, growth.improved_finetune_type,
                               growth.improved_finetune_noise)

    def new_classifier(self, num_classes: int) -> CNNClassifier:
        return CNNClassifier(num_classes, self.info.image_shape, dim=self.config.train.dim)

    def make_model(self, classifier: CNNClassifier) -> ClassifierModel:
        model = ClassifierModel(classifier, self.config.train.batch_size)
        model.compile(self.adam(), jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session) -> None:
        self.timings = {}
        self.most_confused = {}
        self.pool = make_pool([self.session_pool(session)])
        if self.classifier is None or not self.config.growth.finetune:
            classifier = self.new_classifier(session.num_seen)
        else:
            classifier = self.grown_classifier(session)
        self.model = self.make_model(classifier)

    def build_session_model(self, session) -> None:
        self.model = self.make_model(self.new_classifier(session.num_seen))

    def end_session(self, session) -> None:
        super().end_session(session)
        self.classifier = self.model.classifier

    def checkpoint_objects(self) -> dict:
        return {"model": self.model, "optimizer": self.model.optimizer}

    def sample(self, labels, z=None):
        raise NotImplementedError(f"{type(self).__name__} is a classifier; it does not generate")

    @property
    def z_dim(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} is a classifier; it has no noise input")

    def summary(self) -> dict:
        """Session diagnostics for results.json (original label ids)."""
        order = self.scenario.class_order
        return {"most_confused": {str(order[k]): int(order[v]) for k, v in self.most_confused.items()},
                "pool_size": self.pool_size()}


class LowerBound(ClassifierBound):
    """Fine-tuning on the new classes only."""

    def session_pool(self, session):
        return self.scenario.train_data(session)


class UpperBound(ClassifierBound):
    """Joint training on all real data of the classes seen so far."""

    def session_pool(self, session):
        return make_pool([self.scenario.train_data(s) for s in self.scenario.sessions[:session.index]])
