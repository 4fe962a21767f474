"""Loss functions against hand-computed values."""

import math

import numpy as np

from introgan_tf import losses


def test_sigmoid_bce():
    logits = np.array([0.0, 2.0, -3.0], np.float32)
    got = np.asarray(losses.sigmoid_bce(logits, 1.0))
    expected = [math.log(2), math.log1p(math.exp(-2)), math.log1p(math.exp(3))]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert np.isfinite(np.asarray(losses.sigmoid_bce(np.array([1e4, -1e4], np.float32), 0.0))).all()


def test_dcgan_losses():
    real, fake = np.array([0.0, 0.0], np.float32), np.array([0.0], np.float32)
    np.testing.assert_allclose(float(losses.dcgan_d_loss(real, fake)), math.log(2), rtol=1e-6)
    np.testing.assert_allclose(float(losses.dcgan_g_loss(fake)), math.log(2), rtol=1e-6)
    # weights: (1/B) sum w_b BCE, not normalised by sum w
    weighted = float(losses.dcgan_d_loss(real, fake, np.array([2.0, 0.0], np.float32)))
    np.testing.assert_allclose(weighted, 0.5 * (math.log(2) + math.log(2)), rtol=1e-6)


def test_wgan_losses():
    real, fake = np.array([1.0, 3.0], np.float32), np.array([0.5, -0.5], np.float32)
    assert float(losses.wgan_d_loss(real, fake)) == -2.0
    assert float(losses.wgan_g_loss(fake)) == 0.0


def test_cross_entropy_with_margin():
    logits = np.array([[1.0, 2.0, 0.0]], np.float32)
    plain = float(losses.softmax_cross_entropy(logits, np.array([1]))[0])
    expected = -(2.0 - math.log(math.exp(1) + math.exp(2) + 1))
    np.testing.assert_allclose(plain, expected, rtol=1e-6)
    margin = float(losses.softmax_cross_entropy(logits, np.array([1]), margin=1.0)[0])
    np.testing.assert_allclose(margin, -(1.0 - math.log(math.exp(1) + math.exp(1) + 1)), rtol=1e-6)


def test_gradient_penalty():
    grads = np.zeros((2, 2, 2, 1), np.float32)
    grads[0, 0, 0, 0] = 3.0  # norm 3 -> (3-1)^2 = 4 ; norm 0 -> 1
    np.testing.assert_allclose(float(losses.gradient_penalty_from_grads(grads)), 2.5, rtol=1e-5)


def test_interpolated_gradient_penalty_of_a_linear_critic():
    import tensorflow as tf
    # s(x) = sum(w * x) has gradient w everywhere: penalty (||w|| - 1)^2 whatever the interpolates.
    w = tf.constant(np.full((1, 2, 2, 1), 1.5, np.float32))
    real = tf.zeros((3, 2, 2, 1))
    fakes = tf.ones((3, 2, 2, 1))
    alpha = tf.constant(np.random.default_rng(0).uniform(size=(3, 1, 1, 1)).astype(np.float32))
    penalty = losses.interpolated_gradient_penalty(lambda x: tf.reduce_sum(w * x, axis=[1, 2, 3]), real, fakes, alpha)
    np.testing.assert_allclose(float(penalty), (3.0 - 1.0) ** 2, rtol=1e-5)
