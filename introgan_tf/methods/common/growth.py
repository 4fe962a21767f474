"""Growth by copy with noise, the class-incremental initialisation of the IntroGAN family (He et al. 2024).

No layers are added; only the class-conditioning parameters grow.  A new class c gets a noisy copy of the
row (or column) of the old class m(c) it is most confused with:

    r_c = row(m(c)) + eps,  eps ~ N(0, (rho * std(row(m(c))))^2 I)   (``v2``; ``v1``: rho * (max - min) / 6)

m(c) is computed with the previous session's model (IntroGAN: its discriminator and stored prototypes,
methods/introgan/growth.py; MeRGAN-ig and the bounds: the mode of the previous class head's argmax, below);
ties go to the smallest index and old rows are never perturbed (docs/methods.md#introgan, decisions (a), (d)).
"""

from typing import Dict

import numpy as np


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


def most_confused_by_logits(old_logits: np.ndarray) -> int:
    """Mode of the argmax over old classes of a new class's images; ties -> smallest index.

    Args:
      old_logits: [N, C_old] logits of the previous head, restricted to the old classes.
    """
    votes = np.bincount(np.argmax(old_logits, axis=1), minlength=old_logits.shape[1])
    return int(np.argmax(votes))


def grow_head(kernel: np.ndarray, bias: np.ndarray, num_classes: int, source_classes: Dict[int, int],
              rng: np.random.Generator, noise_level: float = 0.5, noise_type: str = "v2",
              add_noise: bool = True):
    """(kernel [F, C], bias [C]) grown from (kernel [F, C_old], bias [C_old]) by copying columns.

    A new column copies the column of m(c) plus noise scaled by that column's spread; its bias entry is copied
    the same way, and a scalar has spread 0, so the bias is copied exactly.

    Args:
      source_classes: new class -> old class m(c) it copies; new classes are processed in ascending order.
    """
    columns, biases = [], []
    for c in range(kernel.shape[1], num_classes):
        source = source_classes[c]
        columns.append(noisy_copy(kernel[:, source], rng, noise_level, noise_type, add_noise))
        biases.append(noisy_copy(bias[source:source + 1], rng, noise_level, noise_type, add_noise)[0])
    return (np.concatenate([kernel, np.stack(columns, axis=1)], axis=1).astype(np.float32),
            np.concatenate([bias, np.asarray(biases, bias.dtype)]).astype(np.float32))


def grow_class_head(old, num_classes: int, source_classes: Dict[int, int], rng: np.random.Generator,
                    noise_level: float = 0.5, noise_type: str = "v2", add_noise: bool = True,
                    copy_columns: bool = True):
    """A network of ``old``'s type over ``num_classes`` classes, initialised from ``old``.

    ``old`` (the bounds' CNNClassifier, MeRGAN-ig's discriminator) is built by ``(num_classes, image_shape,
    dim=...)``, with a ``class_output`` Dense and ``body_layers()`` (everything else, copied unchanged).
    ``copy_columns=False`` is ``improved_finetune=False``: the whole class head is freshly initialised.
    """
    new = type(old)(num_classes, old.image_shape, dim=old.dim)
    for old_layer, new_layer in zip(old.body_layers(), new.body_layers()):
        new_layer.set_weights(old_layer.get_weights())
    if copy_columns:
        kernel, bias = old.class_output.get_weights()
        new.class_output.set_weights(list(grow_head(kernel, bias, num_classes, source_classes, rng, noise_level,
                                                    noise_type, add_noise)))
    return new
