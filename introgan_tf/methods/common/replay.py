"""Pool replay: generated images of the old classes, quantised to uint8, joining a session's training pool.

IntroGAN and MeRGAN-ig (He et al. 2024; docs/methods.md#introgan, "Replay"): for each old class k in
ascending order, N_rep images G_{s-1}(z, k) with a fresh z each, generated along the class-sorted label
sequence and quantised with q(x) = floor((x + 1) * 127.5) -- truncation, as the original.
"""

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import quantize_to_uint8
from introgan_tf.methods.common.inference import batched

# Offset of the stateless seeds of the replay noise: (run seed, REPLAY_SEED_OFFSET + session index).
REPLAY_SEED_OFFSET = 7919


def generate_replay(generate, num_old: int, per_class: int, z_dim: int, seed: int, session_index: int):
    """(uint8 images [num_old * per_class, H, W, C], labels) from ``generate(z, labels) -> [-1, 1] images``.

    ``generate`` is the previous session's generator, traced once; the noise is stateless, seeded by
    (``seed``, REPLAY_SEED_OFFSET + ``session_index``), so a resumed session replays the same images.
    """
    labels = np.repeat(np.arange(num_old, dtype=np.int32), per_class)
    z = tf.random.stateless_normal((len(labels), z_dim), seed=(seed, REPLAY_SEED_OFFSET + session_index))
    images = batched(lambda z_, y_: quantize_to_uint8(generate(z_, y_)), z, labels)
    return images, labels
