"""tf.data input pipelines.

Images stay uint8 until the last step, where they are mapped to
x = 2 (u/255 - 0.5) in [-1, 1] (as the originals).  The training pool of a
session is real images of the new classes + generated replay + exemplars, all
uint8 with labels; :func:`make_pool` concatenates them and
:func:`make_train_dataset` turns the pool into an infinite stream of shuffled,
drop-remainder batches.
"""

from typing import Sequence, Tuple

import numpy as np
import tensorflow as tf


def to_unit_range(images_uint8):
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return tf.cast(images_uint8, tf.float32) / 127.5 - 1.0


def quantize_to_uint8(images):
    """float [-1, 1] -> uint8 with q(x) = floor((x + 1) * 127.5), as the original replay.

    numpy in, numpy out; values are clipped to [0, 255] first, and NaN (a diverged generator under
    ``--nan_policy ignore``) becomes 0 and +-inf 255 / 0 instead of an undefined cast.
    """
    scaled = np.floor((np.nan_to_num(np.asarray(images, np.float32), nan=-1.0, posinf=1.0, neginf=-1.0) + 1.0) * 127.5)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def make_pool(parts: Sequence[Tuple[np.ndarray, np.ndarray]]) -> Tuple[np.ndarray, np.ndarray]:
    """Concatenates (uint8 images, labels) parts, skipping empty ones."""
    parts = [(x, y) for x, y in parts if len(x)]
    if not parts:
        raise ValueError("the training pool is empty")
    for x, _ in parts:
        if x.dtype != np.uint8:
            raise TypeError(f"pool images must be uint8, got {x.dtype}")
    images = np.concatenate([x for x, _ in parts])
    labels = np.concatenate([np.asarray(y, np.int32) for _, y in parts])
    return images, labels


def make_train_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int) -> tf.data.Dataset:
    """An infinite dataset of (images in [-1, 1], int32 labels) batches.

    Every pass over the pool reshuffles it and yields floor(N/B) full batches
    (the remainder is dropped); with N < B every batch is B indices drawn with
    replacement, as the original IntroGAN.  Shuffling is seeded, so a fresh
    iterator repeats the same sequence.  Only indices are shuffled; the images
    are gathered per batch, which keeps the shuffle buffer tiny.
    """
    num = len(images)
    images_t = tf.constant(images)
    labels_t = tf.constant(np.asarray(labels, np.int32))
    if num >= batch_size:
        indices = (tf.data.Dataset.range(num)
                   .shuffle(num, seed=seed, reshuffle_each_iteration=True)
                   .batch(batch_size, drop_remainder=True)
                   .repeat())
    else:
        indices = tf.data.Dataset.random(seed=seed).map(lambda r: r % num).batch(batch_size, drop_remainder=True)

    def gather(batch_indices):
        return to_unit_range(tf.gather(images_t, batch_indices)), tf.gather(labels_t, batch_indices)

    return indices.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


# Rows per inference call (evaluation datasets, classify/generate in batches, the session evaluator): one size
# everywhere, so that the same images go through the same batches and give the same logits bit for bit.
INFERENCE_BATCH = 1000


def make_eval_dataset(images: np.ndarray, batch_size: int = INFERENCE_BATCH) -> tf.data.Dataset:
    """A finite dataset of float images in [-1, 1] for evaluation, in order."""
    return (tf.data.Dataset.from_tensor_slices(images).batch(batch_size)
            .map(to_unit_range).prefetch(tf.data.AUTOTUNE))
