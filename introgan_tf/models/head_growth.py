"""Growth of a class head by copy with noise (baselines.md 2.4 and 5.2).

A new class c gets a copy of the weight *column* of the old class m(c) it is
most confused with, plus noise scaled by that column's spread (growth.noisy_copy,
``v2`` / ``v1``); its bias entry is copied the same way, and a scalar has spread 0,
so the bias is copied exactly.  m(c) is the mode of the argmax of the
*previous session's* head over c's training images (the recommendation of
baselines.md 2.4, consistent with IntroGAN's decision (a)); old columns are
never perturbed.  Every other layer is copied unchanged.
"""

from typing import Dict

import numpy as np

from introgan_tf.models.growth import noisy_copy


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
    """(kernel [F, C], bias [C]) grown from (kernel [F, C_old], bias [C_old]).

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
    """A model of ``old``'s type over ``num_classes`` classes, initialised from ``old``.

    ``old`` is a CNNClassifier or an ACGANDiscriminator: built by ``(num_classes, image_shape)``,
    with a ``class_output`` Dense and ``body_layers()`` (everything else).  ``copy_columns=False``
    is ``improved_finetune=False``: the whole class head is freshly initialised.
    """
    new = type(old)(num_classes, old.image_shape)
    for old_layer, new_layer in zip(old.body_layers(), new.body_layers()):
        new_layer.set_weights(old_layer.get_weights())
    if copy_columns:
        kernel, bias = old.class_output.get_weights()
        new.class_output.set_weights(list(grow_head(kernel, bias, num_classes, source_classes, rng, noise_level,
                                                    noise_type, add_noise)))
    return new
