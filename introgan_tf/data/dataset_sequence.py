"""DGR's two-dataset experiments, MNIST -> SVHN and SVHN -> MNIST (Shin et al., 2017; ``--experiment mnist-svhn``
and ``svhn-mnist``): a domain-incremental scenario whose task t is a whole dataset, every class, labels = digits.

MNIST is rendered as 32x32x3 (data/rgb32.py: padded by 2 and its grey value copied into R, G and B, as the DGR
reference's ``data.py``), SVHN keeps its digit labels (the .mat's 10 is 0, as the reference).  Each dataset is
found by its own search order (``--data_dir`` for the first, ``--second_data_dir`` for the second, else
``datasets/<name>/`` and ``$INTROGAN_DATA_DIR/<name>/``), so ``$INTROGAN_DATA_DIR/mnist/`` and
``$INTROGAN_DATA_DIR/svhn/`` are enough.

The scenario offers the members of ClassIncrementalScenario the loop uses.  Accuracy after task s is the plain
accuracy on the test sets of tasks 1..k, k = 1..s; every task contributes its first ``min`` test images (the
smaller test set's size, MNIST's 10,000), so the prefixes weigh the tasks equally (the reference evaluated on
the first 1,024 of each).
"""

import dataclasses
from typing import Sequence

import numpy as np

from introgan_tf.data.dataset_info import DatasetSplits
from introgan_tf.data.scenario import Session

# --experiment -> the registry names of its tasks' datasets, in order.
SEQUENCES = {"mnist-svhn": ("mnist-rgb32", "svhn"), "svhn-mnist": ("svhn", "mnist-rgb32")}


@dataclasses.dataclass(frozen=True)
class DatasetTask(Session):
    """A task of a dataset sequence: every class of one dataset."""

    dataset: str = ""

    def as_record(self) -> dict:
        return dict(super().as_record(), dataset=self.dataset)


class DatasetSequenceScenario:
    """Task t = the whole of ``tasks[t - 1]`` (same image shape and classes for every task).

    Raises:
      ValueError: the datasets differ in image shape or class count.
    """

    accuracy_protocol = "task_prefixes"
    # Per-class FID needs one dataset's statistics; the tasks mix two.
    generation_metrics_apply = False

    def __init__(self, *, name: str, tasks: Sequence[DatasetSplits]):
        shapes = {tuple(t.info.image_shape) for t in tasks}
        classes = {t.info.num_classes for t in tasks}
        if len(shapes) != 1 or len(classes) != 1:
            raise ValueError(f"{name}: the datasets differ in image shape {shapes} or classes {classes}")
        self.name = name
        self.tasks = tuple(tasks)
        self.num_classes = classes.pop()
        self.class_order = tuple(range(self.num_classes))
        self.nb_cl = self.num_classes
        self.test_per_task = min(len(t.x_test) for t in tasks)
        every = tuple(range(self.num_classes))
        self.sessions = tuple(DatasetTask(index=t, new_classes=every, num_seen=self.num_classes, new_original=every,
                                          seen_original=every, dataset=task.info.name)
                              for t, task in enumerate(self.tasks, start=1))

    def train_data(self, session: Session):
        task = self.tasks[session.index - 1]
        return task.x_train, np.asarray(task.y_train, np.int32)

    def test_data(self, session: Session):
        """The first ``test_per_task`` test images of tasks 1..s, task-major."""
        parts = self.tasks[:session.index]
        images = np.concatenate([t.x_test[:self.test_per_task] for t in parts])
        labels = np.concatenate([np.asarray(t.y_test[:self.test_per_task], np.int32) for t in parts])
        return images, labels

    def class_train_images(self, new_label: int) -> np.ndarray:
        first = self.tasks[0]
        return first.x_train[first.y_train == new_label]
