"""Permuted MNIST, the domain-incremental scenario of DGR's reference protocol (docs/methods.md#dgr).

Task t (1-based) is the whole dataset -- every class, labels unchanged -- with
the pixels of every image rearranged by a fixed permutation P_t:
permuted[i] = image[P_t[i]] over the flattened H*W pixels (the same for every
channel, for the training and the test images).  As the original
(``np.random.seed(seed)`` then one ``np.random.permutation`` per task), the
permutations are drawn in sequence from one seeded generator, so task t's
permutation depends only on (seed, t); task 1 is permuted too.

The original permutes the 32x32 image after padding MNIST by 2, so its zero
border is scattered into the image; here the 28x28 pixels themselves are
permuted (the pipeline keeps the dataset's image size, and the scholar pads
afterwards).  Both carry the same information.

The scenario offers the members of ClassIncrementalScenario that the loop uses;
accuracy after task s is the plain accuracy (the original's "precision") on the
test sets of tasks 1..k, for k = 1..s.
"""

import dataclasses

import numpy as np

from introgan_tf.data.scenario import Session


@dataclasses.dataclass(frozen=True)
class PermutedSession(Session):
    """A permuted-MNIST task: every class, under the task's permutation.

    Attributes (beyond Session's):
      permutation_seed: --mnist_permutation_seed.
      permutation_index: which draw of that seed's generator (0-based; the task index - 1).
    """

    permutation_seed: int = 0
    permutation_index: int = 0

    def as_record(self) -> dict:
        return dict(super().as_record(), permutation_seed=self.permutation_seed,
                    permutation_index=self.permutation_index)


def task_permutations(num_pixels: int, num_tasks: int, seed: int):
    """``num_tasks`` permutations of ``num_pixels`` drawn in sequence from RandomState(seed), as the original."""
    rng = np.random.RandomState(seed)
    return tuple(rng.permutation(num_pixels) for _ in range(num_tasks))


def permute_pixels(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    """images [N, H, W, C] -> the same images with pixel i taken from pixel permutation[i] (row-major H*W)."""
    num, height, width, channels = images.shape
    flat = images.reshape(num, height * width, channels)
    return flat[:, permutation, :].reshape(num, height, width, channels)


class PermutedScenario:
    """``num_tasks`` permuted copies of a dataset.

    Args (keyword-only):
      x_train, y_train, x_test, y_test: uint8 images [N, H, W, C] and labels 0..C-1.
      num_tasks: --mnist_permutation_number.
      seed: --mnist_permutation_seed.

    Raises:
      ValueError: for num_tasks < 1, or (never seen in practice) two identical permutations.
    """

    name = "permutated-mnist"
    # Prefix k = the test sets of tasks 1..k, plain accuracy (evaluation/accuracy.py).
    accuracy_protocol = "task_prefixes"
    # Permuted images are not the dataset's classes: per-class FID / generated accuracy do not apply.
    generation_metrics_apply = False

    def __init__(self, *, x_train, y_train, x_test, y_test, num_tasks: int, seed: int):
        if num_tasks < 1:
            raise ValueError(f"num_tasks must be >= 1, got {num_tasks}")
        self.x_train, self.x_test = x_train, x_test
        self.y_train = np.asarray(y_train, np.int32)
        self.y_test = np.asarray(y_test, np.int32)
        self.num_classes = int(max(self.y_train.max(), self.y_test.max())) + 1
        self.class_order = tuple(range(self.num_classes))  # labels are never relabelled
        self.nb_cl = self.num_classes
        self.seed = seed
        height, width = x_train.shape[1], x_train.shape[2]
        self.permutations = task_permutations(height * width, num_tasks, seed)
        if len({p.tobytes() for p in self.permutations}) != num_tasks:
            raise ValueError(f"seed {seed} drew two identical permutations")
        every = tuple(range(self.num_classes))
        self.sessions = tuple(PermutedSession(index=t, new_classes=every, num_seen=self.num_classes,
                                              new_original=every, seen_original=every, permutation_seed=seed,
                                              permutation_index=t - 1)
                              for t in range(1, num_tasks + 1))

    def permutation(self, session: Session) -> np.ndarray:
        return self.permutations[session.index - 1]

    def train_data(self, session: Session):
        """The task's permuted training images and their (unchanged) labels."""
        return permute_pixels(self.x_train, self.permutation(session)), self.y_train

    def test_data(self, session: Session):
        """The permuted test sets of tasks 1..s, task-major (task 1's images first)."""
        images = np.concatenate([permute_pixels(self.x_test, self.permutations[t]) for t in range(session.index)])
        return images, np.tile(self.y_test, session.index)

    def class_train_images(self, new_label: int) -> np.ndarray:
        """All training images of one class under task 1's permutation."""
        return permute_pixels(self.x_train[self.y_train == new_label], self.permutations[0])
