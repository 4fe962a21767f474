"""Loss functions as pure functions with uniform signatures (cf. TF-GAN losses_impl).

Discriminator losses take ``(real_logits, fake_logits, real_weights)``, generator
losses ``(fake_logits)``; all return batch-mean scalars in float32.
"""

import tensorflow as tf  # GradientTape for the penalty: keras.ops has no input-gradient op
from keras import ops


def sigmoid_bce(logits, target):
    """Numerically stable sigmoid cross-entropy BCE(l, t) per element."""
    logits = ops.cast(logits, "float32")
    return ops.maximum(logits, 0.0) - logits * target + ops.log1p(ops.exp(-ops.abs(logits)))


def weighted_mean(values, weights=None):
    """(1/B) sum_b w_b v_b (the original normalises by B, not by sum w)."""
    if weights is None:
        return ops.mean(values)
    return ops.mean(values * weights)


def dcgan_d_loss(real_logits, fake_logits, real_weights=None):
    """Non-saturating GAN discriminator loss (Goodfellow et al. 2014; Radford et al. 2016).

    IntroGAN's ``dcgan`` mode: 1/2 [mean BCE(s(fake), 0) + (1/B) sum_b w_b BCE(s(real_b), 1)].
    """
    return 0.5 * (ops.mean(sigmoid_bce(fake_logits, 0.0)) + weighted_mean(sigmoid_bce(real_logits, 1.0), real_weights))


def dcgan_g_loss(fake_logits):
    """Non-saturating generator loss: mean BCE(s(fake), 1)."""
    return ops.mean(sigmoid_bce(fake_logits, 1.0))


def wgan_d_loss(real_logits, fake_logits, real_weights=None):
    """Wasserstein critic loss without the penalty (Arjovsky et al. 2017): mean s(fake) - mean w s(real)."""
    return ops.mean(fake_logits) - weighted_mean(real_logits, real_weights)


def wgan_g_loss(fake_logits):
    """Wasserstein generator loss: -mean s(fake)."""
    return -ops.mean(fake_logits)


# mode -> (d_loss(real_logits, fake_logits, real_weights), g_loss(fake_logits))
ADVERSARIAL_LOSSES = {"dcgan": (dcgan_d_loss, dcgan_g_loss), "wgan-gp": (wgan_d_loss, wgan_g_loss)}


def softmax_cross_entropy(logits, labels, margin=0.0):
    """CE(l - m e_y, y) per sample: cross-entropy with an additive margin on the true logit."""
    logits = ops.cast(logits, "float32")
    onehot = ops.one_hot(labels, ops.shape(logits)[-1])
    logits = logits - margin * onehot
    return -ops.sum(onehot * ops.log_softmax(logits, axis=-1), axis=-1)


def interpolated_gradient_penalty(logit_fn, real, fakes, alpha):
    """WGAN-GP penalty on random interpolates x = real + alpha (fake - real) (Gulrajani et al. 2017).

    ``logit_fn`` maps images to the real/fake logit only -- IntroGAN's decision (b), docs/methods.md#introgan: the
    penalty never sees the embedding or class outputs.  ``alpha`` is [B, 1, 1, 1] in [0, 1].
    """
    mixed = real + alpha * (fakes - real)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        mixed_logits = logit_fn(mixed)
    return gradient_penalty_from_grads(tape.gradient(mixed_logits, mixed))


def gradient_penalty_from_grads(grads):
    """WGAN-GP penalty (Gulrajani et al. 2017): mean (||grad||_2 - 1)^2 over the flattened images."""
    flat = ops.reshape(grads, (ops.shape(grads)[0], -1))
    norms = ops.sqrt(ops.sum(ops.square(flat), axis=1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def l2_loss(x):
    """TF's ``tf.nn.l2_loss``: 1/2 of the sum of squares over every element (batch included)."""
    return 0.5 * ops.sum(ops.square(ops.cast(x, "float32")))


def replay_alignment_loss(old_images, new_images, factor, average: bool = True):
    """MeRGAN's Replay Alignment (Wu et al. 2018; docs/methods.md#mergan).

    L_RA = factor * kappa * sum_{i<t} l2_loss(G_old(z_i, i) - G_new(z_i, i)), kappa = 1/t (MNIST, SVHN) or 1
    (``average=False``: LSUN), where
    ``old_images[i]`` and ``new_images[i]`` are the two generators' images of old class i
    from the same noise z_i (one batch per class).  The old images are a fixed target:
    no gradient flows into G_old.
    """
    terms = [l2_loss(ops.stop_gradient(old) - new) for old, new in zip(old_images, new_images)]
    return factor * ops.sum(ops.stack(terms)) / (len(terms) if average else 1)


def r1_penalty(logit_fn, real):
    """R1 on real data (Mescheder et al. 2018), GAN Memory's convention: mean_b sum_pixels (dD(x_b)/dx_b)^2.

    No 1/2 factor: GAN_stability's ``reg_param`` 10 multiplies this directly.  ``logit_fn`` maps images to one
    logit per image; the images are independent (no batch statistics), so the gradient of the summed logits is
    every image's own gradient.  Called inside the discriminator's tape, the penalty's own gradient is a
    second-order one (nested tapes).
    """
    with tf.GradientTape() as tape:
        tape.watch(real)
        total = ops.sum(logit_fn(real))
    grads = tape.gradient(total, real)
    return ops.mean(ops.sum(ops.square(ops.reshape(grads, (ops.shape(grads)[0], -1))), axis=1))


def gan_memory_d_loss(real_logits, fake_logits):
    """GAN_stability's ``standard`` D loss: mean BCE(s(x), 1) + mean BCE(s(x~), 0), two batch means summed."""
    return ops.mean(sigmoid_bce(real_logits, 1.0)) + ops.mean(sigmoid_bce(fake_logits, 0.0))
