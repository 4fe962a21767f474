"""Class-incremental scenarios as data (cf. Avalanche's class timeline).

A scenario relabels a dataset with a class order and cuts it into sessions of
``nb_cl`` new classes.  Session s (1-based) introduces new labels
``(s-1)*nb_cl .. s*nb_cl-1``; its training stream holds those classes' training
images, its test stream every test image of the classes seen so far
(He et al. 2024; docs/design.md#scenarios).
"""

import dataclasses
from typing import Tuple

import numpy as np

from introgan_tf.data.class_orders import relabel


@dataclasses.dataclass(frozen=True)
class Session:
    """One incremental step.

    Attributes:
      index: 1-based session number.
      new_classes: new (relabelled) class ids introduced in this session.
      num_seen: number of classes seen after this session (labels 0..num_seen-1).
      new_original: ``new_classes`` as original dataset label ids.
      seen_original: every seen class as original dataset label ids, in new-label order.
    """

    index: int
    new_classes: Tuple[int, ...]
    num_seen: int
    new_original: Tuple[int, ...]
    seen_original: Tuple[int, ...]

    @property
    def num_old(self) -> int:
        return self.num_seen - len(self.new_classes)

    def as_record(self) -> dict:
        """The JSON record of the session (original label ids)."""
        return {"index": self.index, "new_classes": list(self.new_original),
                "seen_classes": list(self.seen_original)}


class ClassIncrementalScenario:
    """A dataset relabelled by a class order and split into sessions.

    The experiment loop only uses ``sessions``, ``train_data``, ``test_data``,
    ``class_train_images``, ``class_order``, ``nb_cl``, ``accuracy_protocol``
    and ``generation_metrics_apply``; another scenario (e.g. DGR's permuted
    MNIST) provides the same members.  A scenario only carries data: the
    accuracies are computed by ``introgan_tf.evaluation``.

    Args (keyword-only):
      x_train, y_train, x_test, y_test: uint8 images and original labels.
      class_order: a permutation of the original labels.
      nb_cl: classes per session; must divide the number of classes.

    Raises:
      ValueError: if the order is not a permutation or nb_cl does not divide the class count.
    """

    def __init__(self, *, x_train, y_train, x_test, y_test, class_order, nb_cl: int):
        num_classes = len(class_order)
        if sorted(class_order) != list(range(num_classes)):
            raise ValueError(f"class order {class_order} is not a permutation of 0..{num_classes - 1}")
        if nb_cl < 1 or num_classes % nb_cl:
            raise ValueError(f"nb_cl={nb_cl} must be a positive divisor of the class count {num_classes}")
        self.class_order = tuple(int(c) for c in class_order)
        self.nb_cl = nb_cl
        self.num_classes = num_classes
        self.x_train, self.x_test = x_train, x_test
        self.y_train = relabel(np.asarray(y_train), self.class_order)
        self.y_test = relabel(np.asarray(y_test), self.class_order)
        self.sessions = tuple(self._session(s) for s in range(1, num_classes // nb_cl + 1))

    name = "class-incremental"
    # Prefix k = the classes of sessions 1..k, balanced accuracy (evaluation/accuracy.py).
    accuracy_protocol = "class_prefixes"
    # Per-class FID and generated-sample accuracy compare samples with the dataset's real classes.
    generation_metrics_apply = True

    def _session(self, index: int) -> Session:
        new = tuple(range((index - 1) * self.nb_cl, index * self.nb_cl))
        return Session(index=index, new_classes=new, num_seen=index * self.nb_cl,
                       new_original=tuple(self.class_order[c] for c in new),
                       seen_original=self.class_order[:index * self.nb_cl])

    def train_data(self, session: Session):
        """Training images and new labels of the session's new classes."""
        mask = np.isin(self.y_train, session.new_classes)
        return self.x_train[mask], self.y_train[mask]

    def test_data(self, session: Session):
        """Test images and new labels of every class seen up to this session."""
        mask = self.y_test < session.num_seen
        return self.x_test[mask], self.y_test[mask]

    def class_train_images(self, new_label: int) -> np.ndarray:
        """All training images of one (relabelled) class."""
        return self.x_train[self.y_train == new_label]
