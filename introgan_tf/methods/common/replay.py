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

REPLAY_BATCH = 1000  # networks without batch statistics: any batch gives the same images


def replay_batch_size(generator, config) -> int:
    """The batch the replay is generated in: ``--batch_size`` for a generator on batch statistics (the 32x32
    conditional-batch-norm ones, whose images depend on their batch: the original generates its replay in
    training-size batches along the class-sorted label sequence), else REPLAY_BATCH."""
    return config.train.batch_size if getattr(generator, "batch_dependent", False) else REPLAY_BATCH


def generate_replay(generate, num_old: int, per_class: int, z_dim: int, seed: int, batch_size: int = REPLAY_BATCH):
    """(uint8 images [num_old * per_class, H, W, C], labels) from ``generate(z, labels) -> [-1, 1] images``.

    ``generate`` is the previous session's generator, traced once; the noise is stateless, seeded by
    (``seed``, 0) with ``seed`` the session's replay seed (ContinualMethod.session_seed(session, RNG_REPLAY)),
    so a resumed session replays the same images and no training batch draws the same noise.  Generated in
    consecutive batches of ``batch_size`` along the class-sorted labels (:func:`replay_batch_size`).
    """
    labels = np.repeat(np.arange(num_old, dtype=np.int32), per_class)
    z = tf.random.stateless_normal((len(labels), z_dim), seed=(seed, 0))
    images = batched(lambda z_, y_: quantize_to_uint8(generate(z_, y_)), z, labels, batch_size=batch_size)
    return images, labels


def generate_unconditional_replay(generate, classify, count: int, z_dim: int, seed: int,
                                  batch_size: int = REPLAY_BATCH):
    """(uint8 images [count], labels) from an unconditional ``generate(z)``, labelled by ``classify(images)``'s
    argmax (the previous solver's logits over the old classes); noise seeded and batched as in
    :func:`generate_replay`."""
    z = tf.random.stateless_normal((count, z_dim), seed=(seed, 0))

    def chunk(z_):
        images = generate(z_)
        return quantize_to_uint8(images), np.argmax(np.asarray(classify(images)), axis=-1).astype(np.int32)

    return batched(chunk, z, batch_size=batch_size)
