"""IntroGAN's growth: new conditioning rows of the generator's input Dense (He et al. 2024).

Only the class rows of ``g_input`` grow (row z_dim + k conditions on class k); each new class's row is a noisy
copy of the row of the old class m(c) it is most confused with (methods/common/growth.py).  Decision (a):
m(c) is the mode, over c's training images, of the nearest old class centre computed with the previous
session's discriminator and its *stored* prototypes (the original used still-random prototypes).  MeRGAN-ig
grows the same generator with its own m(c).
"""

from typing import Dict, Sequence

import numpy as np

from introgan_tf.methods.common.growth import noisy_copy
from introgan_tf.methods.introgan.networks import ConditionalGenerator


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
