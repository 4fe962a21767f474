"""Growth by copy with noise: IntroGAN's class-incremental initialisation (introgan.md section 7).

No layers are added; only the class-conditioning rows of the generator's input
Dense (``g_input``, row z_dim + k for class k) grow.  Each new class's row is a
noisy copy of the row of the old class it is most confused with:

    r_c = row(m(c)) + eps,  eps ~ N(0, (rho * std(row(m(c))))^2 I)   (``v2``)

with ``v1`` using rho * (max - min) / 6 as the scale.  Decisions (a) and (d):
m(c) is computed with the previous session's discriminator and *stored*
prototypes, ties go to the smallest index, and old rows are never perturbed.
"""

from typing import Dict, Sequence

import numpy as np

from introgan_tf.models.generator import ConditionalGenerator


def most_confused_class(embeddings: np.ndarray, old_centers: np.ndarray) -> int:
    """Mode of the nearest old centre over a new class's embeddings; ties -> smallest index.

    Args:
      embeddings: [N, D] discriminator embeddings of the new class's training images.
      old_centers: [C_old, D] class centres of the old classes (mean prototype embeddings).
    """
    emb = embeddings.astype(np.float64)
    centers = old_centers.astype(np.float64)
    distances = (emb * emb).sum(1, keepdims=True) - 2 * emb @ centers.T + (centers * centers).sum(1)[None]
    votes = np.bincount(np.argmin(distances, axis=1), minlength=len(centers))
    return int(np.argmax(votes))  # argmax returns the first (smallest) index on ties


def noisy_copy(row: np.ndarray, rng: np.random.Generator, noise_level: float, noise_type: str = "v2",
               add_noise: bool = True) -> np.ndarray:
    """A copy of ``row`` plus Gaussian noise scaled by the row's spread (no noise if the spread is 0)."""
    row = np.asarray(row, np.float64)
    if not add_noise:
        return row.astype(np.float32)
    scale = noise_level * (row.std() if noise_type == "v2" else (row.max() - row.min()) / 6.0)
    if scale == 0:
        return row.astype(np.float32)
    return (row + rng.normal(0.0, scale, size=row.shape)).astype(np.float32)


def grow_generator(old: ConditionalGenerator, num_classes: int, source_classes: Dict[int, int],
                   rng: np.random.Generator, noise_level: float = 0.5, noise_type: str = "v2",
                   add_noise: bool = True, copy_rows: bool = True) -> ConditionalGenerator:
    """A generator for ``num_classes`` classes initialised from ``old``.

    Args:
      old: the previous session's generator.
      num_classes: the new class count C (> old.num_classes).
      source_classes: new class -> old class whose row it copies (m(c)); ignored without ``copy_rows``.
      rng: numpy generator for the noise (new classes are processed in ascending order).
      copy_rows: False reproduces ``improved_finetune=False``: g_input kernel *and bias* are
        freshly initialised; every other layer is still copied.
    """
    new = ConditionalGenerator(num_classes, z_dim=old.z_dim, channels=old.channels)
    for old_layer, new_layer in zip(old.layers, new.layers):
        if old_layer.name != "g_input":
            new_layer.set_weights(old_layer.get_weights())
    if copy_rows:
        kernel, bias = old.g_input.get_weights()
        rows = [noisy_copy(kernel[old.z_dim + source_classes[c]], rng, noise_level, noise_type, add_noise)
                for c in range(old.num_classes, num_classes)]
        new.g_input.set_weights([np.concatenate([kernel, np.stack(rows)]), bias])
    return new


def class_rows(generator: ConditionalGenerator, classes: Sequence[int]) -> np.ndarray:
    """The conditioning rows of ``classes`` (for tests and diagnostics)."""
    kernel = generator.g_input.get_weights()[0]
    return kernel[[generator.z_dim + c for c in classes]]
