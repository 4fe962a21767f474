"""Lower and upper bounds: a CNN classifier, no generator (baselines.md section 5).

* ``lower_bound`` (5.2): each session trains on the real images of the **new**
  classes only; with ``finetune`` (its default) the previous classifier is kept
  and its head grows by copy + noise from the most-confused old class (2.4).
* ``upper_bound`` (5.3): each session trains on the real images of **every**
  seen class; without ``finetune`` (its default) from scratch every session.

Both use Adam(adam_lr, adam_beta1, adam_beta2), fresh every session, and are
evaluated by the loop's accuracy protocol; they generate nothing.
"""

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import make_pool, to_unit_range
from introgan_tf.data.scenario import Session
from introgan_tf.methods.base import ContinualMethod, batched
from introgan_tf.methods.classifier_model import ClassifierModel
from introgan_tf.models.classifier import CNNClassifier
from introgan_tf.models.head_growth import grow_class_head, most_confused_by_logits

RNG_GROWTH = 2  # purpose of the growth noise generator (see ContinualMethod.rng)


class ClassifierBound(ContinualMethod):
    """A growing CNN classifier trained on ``session_pool``; subclasses choose the pool."""

    generates = False

    def __init__(self, config, info, scenario):
        super().__init__(config, info, scenario)
        self.classifier = None   # the previous session's classifier
        self.most_confused = {}  # new class -> old class its head column was copied from
        self._classify_fn = (None, None)  # (model, its traced logits function)

    def session_pool(self, session: Session):
        """(uint8 images, labels) the session trains on."""
        raise NotImplementedError

    def logits(self, classifier, images_uint8: np.ndarray) -> np.ndarray:
        fn = tf.function(lambda x: classifier(to_unit_range(x), training=False))
        return batched(fn, images_uint8)

    def grown_classifier(self, session: Session) -> CNNClassifier:
        cfg = self.config.introgan  # the shared growth flags (baselines.md 5.4)
        if not cfg.improved_finetune:
            return grow_class_head(self.classifier, session.num_seen, {}, None, copy_columns=False)
        # m(c) with the previous session's head, whose outputs are exactly the old classes.
        self.most_confused = {c: most_confused_by_logits(self.logits(self.classifier,
                                                                     self.scenario.class_train_images(c)))
                              for c in session.new_classes}
        return grow_class_head(self.classifier, session.num_seen, self.most_confused, self.rng(session, RNG_GROWTH),
                               cfg.improved_finetune_noise_level, cfg.improved_finetune_type,
                               cfg.improved_finetune_noise)

    def make_model(self, classifier: CNNClassifier) -> ClassifierModel:
        model = ClassifierModel(classifier)
        model.compile(self.adam(), jit_compile=self.use_xla())
        return model

    # ---------------------------------------------------------------------------------------- contract
    def begin_session(self, session: Session) -> None:
        self.timings = {}
        self.most_confused = {}
        self.pool = make_pool([self.session_pool(session)])
        if self.classifier is None or not self.config.introgan.finetune:
            classifier = CNNClassifier(session.num_seen, self.info.image_shape)
        else:
            classifier = self.grown_classifier(session)
        self.model = self.make_model(classifier)

    def build_session_model(self, session: Session) -> None:
        self.model = self.make_model(CNNClassifier(session.num_seen, self.info.image_shape))

    def end_session(self, session: Session) -> None:
        self.classifier = self.model.classifier

    def checkpoint_objects(self) -> dict:
        return {"model": self.model, "optimizer": self.model.optimizer}

    def classify(self, images: np.ndarray) -> np.ndarray:
        model, fn = self._classify_fn
        if model is not self.model:  # trace once per session's model, not once per evaluation
            model = self.model
            fn = tf.function(lambda x: model.classifier(x, training=False))
            self._classify_fn = (model, fn)
        return batched(fn, images)

    def sample(self, labels, z=None):
        raise NotImplementedError(f"{type(self).__name__} is a classifier; it does not generate")

    @property
    def z_dim(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} is a classifier; it has no noise input")

    def export_functions(self):
        classifier = self.model.classifier
        return None, lambda images: classifier(images, training=False)

    def summary(self) -> dict:
        """Session diagnostics for results.json (original label ids)."""
        order = self.scenario.class_order
        return {"most_confused": {str(order[k]): int(order[v]) for k, v in self.most_confused.items()},
                "pool_size": int(len(self.pool[0])) if self.pool is not None else 0}


class LowerBound(ClassifierBound):
    """Fine-tuning on the new classes only (baselines.md 5.2)."""

    def session_pool(self, session: Session):
        return self.scenario.train_data(session)


class UpperBound(ClassifierBound):
    """Joint training on all real data of the classes seen so far (baselines.md 5.3)."""

    def session_pool(self, session: Session):
        return make_pool([self.scenario.train_data(s) for s in self.scenario.sessions[:session.index]])
