"""IntroGAN's growth: new conditioning rows of the generator (He et al. 2024).

Only the class-conditioning tensors grow, one row per new class: at 28x28 the class rows of ``g_input`` (row
z_dim + k conditions on class k), at 32x32 the six conditional-batch-norm tables gamma_1, beta_1, .., beta_3
[C, ch].  Each new class's row is a noisy copy of the row of the old class m(c) it is most confused with
(methods/common/growth.py); at 32x32 the same m(c) serves all six tables, with independent noise for each.  Decision (a):
m(c) is the mode, over c's training images, of the nearest old class centre computed with the previous
session's discriminator and its *stored* prototypes (the original used still-random prototypes).  MeRGAN-ig
grows the same generator with its own m(c).
"""

from typing import Dict, Sequence

import numpy as np

from introgan_tf.methods.common.growth import noisy_copy
from introgan_tf.methods.introgan.networks import ConditionalBNGenerator, ConditionalGenerator


# Rows of one distance computation: the float64 copies of the embeddings are built one window at a time.
DISTANCE_ROWS = 1000


def center_distances(embeddings: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared L2 distances [N, C_old] of float32 rows to float32 centres, computed in float64."""
    emb = embeddings.astype(np.float64)
    centers = centers.astype(np.float64)
    return (emb * emb).sum(1, keepdims=True) - 2 * emb @ centers.T + (centers * centers).sum(1)[None]


def nearest_centers(embeddings, old_centers: np.ndarray, rows: int = DISTANCE_ROWS) -> np.ndarray:
    """Index of the nearest old centre of every row, ``rows`` rows at a time.

    Every window has ``rows`` rows (the last one overlapping the one before), because the BLAS product of a short
    window can round differently from the same rows inside a long one: windows of one length give the bits of
    the whole-array product, at 2 x rows x D float64 values instead of 2 x N x D.

    Args:
      embeddings: an [N, D] array, or an iterable of [n_i, D] arrays (or tensors) whose rows, concatenated, are
        the N rows (e.g. produced batch by batch: then only about 2 x rows embeddings are held at a time, not all N).
      old_centers: [C_old, D].
    """
    batches = [embeddings] if isinstance(embeddings, np.ndarray) else embeddings
    nearest = []
    pending = previous = None  # rows not yet in a window; the last full window
    for batch in batches:
        batch = np.asarray(batch)
        pending = batch if pending is None or not len(pending) else np.concatenate([pending, batch])
        while len(pending) >= rows:
            previous, pending = pending[:rows], pending[rows:]
            nearest.append(np.argmin(center_distances(previous, old_centers), axis=1))
    if pending is not None and len(pending):
        if previous is None:  # N < rows: one window of all the rows
            nearest.append(np.argmin(center_distances(pending, old_centers), axis=1))
        else:  # the last window ends at row N: its first rows - len(pending) rows were in the window before
            window = np.concatenate([previous[len(pending):], pending])
            nearest.append(np.argmin(center_distances(window, old_centers), axis=1)[rows - len(pending):])
    return np.concatenate(nearest) if nearest else np.zeros(0, np.int64)


def most_confused_class(embeddings, old_centers: np.ndarray) -> int:
    """Mode of the nearest old centre over a new class's embeddings; ties -> smallest index.

    Args:
      embeddings: [N, D] discriminator embeddings of the new class's training images, or an iterable of their
        batches (see :func:`nearest_centers`).
      old_centers: [C_old, D] class centres of the old classes (mean prototype embeddings).
    """
    votes = np.bincount(nearest_centers(embeddings, old_centers), minlength=len(old_centers))
    return int(np.argmax(votes))  # argmax returns the first (smallest) index on ties


def grow_generator(old, num_classes: int, source_classes: Dict[int, int],
                   rng: np.random.Generator, noise_level: float = 0.5, noise_type: str = "v2",
                   add_noise: bool = True, copy_rows: bool = True):
    """A generator for ``num_classes`` classes initialised from ``old`` (a ConditionalGenerator or a
    ConditionalBNGenerator).

    Args:
      old: the previous session's generator.
      num_classes: the new class count C (> old.num_classes).
      source_classes: new class -> old class whose row it copies (m(c)); ignored without ``copy_rows``.
      rng: numpy generator for the noise (new classes are processed in ascending order).
      copy_rows: False reproduces ``improved_finetune=False``: the growing tensors are freshly initialised
        (28x28: g_input kernel *and bias*; 32x32: the CondBN tables, gamma 1 and beta 0); every other layer is
        still copied.
    """
    if isinstance(old, ConditionalBNGenerator):
        return grow_batch_norm_generator(old, num_classes, source_classes, rng, noise_level, noise_type,
                                         add_noise, copy_rows)
    new = ConditionalGenerator(num_classes, z_dim=old.z_dim, channels=old.channels, dim=old.dim)
    for old_layer, new_layer in zip(old.layers, new.layers):
        if old_layer.name != "g_input":
            new_layer.set_weights(old_layer.get_weights())
    if copy_rows:
        kernel, bias = old.g_input.get_weights()
        rows = [noisy_copy(kernel[old.z_dim + source_classes[c]], rng, noise_level, noise_type, add_noise)
                for c in range(old.num_classes, num_classes)]
        new.g_input.set_weights([np.concatenate([kernel, np.stack(rows)]), bias])
    return new


def grow_batch_norm_generator(old: ConditionalBNGenerator, num_classes: int, source_classes: Dict[int, int],
                              rng: np.random.Generator, noise_level: float = 0.5, noise_type: str = "v2",
                              add_noise: bool = True, copy_rows: bool = True) -> ConditionalBNGenerator:
    """The 32x32 case of :func:`grow_generator`: every layer copied, the six CondBN tables grown by one row per
    new class (table by table, new classes in ascending order within each)."""
    new = ConditionalBNGenerator(num_classes, z_dim=old.z_dim, channels=old.channels, dim=old.dim)
    for old_layer, new_layer in zip(old.layers, new.layers):
        if not old_layer.name.startswith("g_cond_bn"):
            new_layer.set_weights(old_layer.get_weights())
    if copy_rows:
        for old_table, new_table in zip(old.class_tables(), new.class_tables()):
            table = old_table.numpy()
            rows = [noisy_copy(table[source_classes[c]], rng, noise_level, noise_type, add_noise)
                    for c in range(old.num_classes, num_classes)]
            new_table.assign(np.concatenate([table, np.stack(rows)]).astype(np.float32))
    return new


def class_rows(generator, classes: Sequence[int]) -> np.ndarray:
    """The conditioning rows of ``classes`` (for tests and diagnostics): [len(classes), z-side width] rows of
    g_input at 28x28; at 32x32 the six tables' rows, concatenated per class."""
    if isinstance(generator, ConditionalBNGenerator):
        return np.concatenate([table.numpy()[list(classes)] for table in generator.class_tables()], axis=1)
    kernel = generator.g_input.get_weights()[0]
    return kernel[[generator.z_dim + c for c in classes]]
