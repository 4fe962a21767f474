"""Pool replay: generated images of the old classes, quantised to uint8, joining a session's training pool.

IntroGAN and MeRGAN-ig (He et al. 2024; docs/methods.md#pool-replay): for each old class k in ascending order,
N_rep images G_{s-1}(z, k) with a fresh z each, generated along the class-sorted label sequence and quantised
with q(x) = floor((x + 1) * 127.5) -- truncation, as the original.  DGR-ig: unconditional samples of G_{s-1},
labelled by the previous solver.
"""

import numpy as np
import tensorflow as tf

from introgan_tf.data.pipeline import quantize_to_uint8
from introgan_tf.methods.common.inference import batched

def generate_replay(generate, num_old: int, per_class: int, z_dim: int, seed: int):
    """(uint8 images [num_old * per_class, H, W, C], labels) from ``generate(z, labels) -> [-1, 1] images``.

    ``generate`` is the previous session's generator, traced once; the noise is stateless, seeded by
    (``seed``, 0) with ``seed`` the session's replay seed (ContinualMethod.session_seed(session, RNG_REPLAY)),
    so a resumed session replays the same images and no training batch draws the same noise.
    """
    labels = np.repeat(np.arange(num_old, dtype=np.int32), per_class)
    z = tf.random.stateless_normal((len(labels), z_dim), seed=(seed, 0))
    images = batched(lambda z_, y_: quantize_to_uint8(generate(z_, y_)), z, labels)
    return images, labels


def generate_unconditional_replay(generate, classify, count: int, z_dim: int, seed: int):
    """(uint8 images [count], labels) from an unconditional ``generate(z)``, labelled by ``classify(images)``'s
    argmax (the previous solver's logits over the old classes); noise seeded as in :func:`generate_replay`."""
    z = tf.random.stateless_normal((count, z_dim), seed=(seed, 0))

    def chunk(z_):
        images = generate(z_)
        return quantize_to_uint8(images), np.argmax(np.asarray(classify(images)), axis=-1).astype(np.int32)

    return batched(chunk, z)
