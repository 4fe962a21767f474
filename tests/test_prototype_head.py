"""Prototype logits against a numpy reference that materialises the full difference tensor."""

import numpy as np
import pytest

from introgan_tf.methods.introgan import prototype_head as ph

RNG = np.random.default_rng(0)
B, C, P, D = 5, 3, 4, 6
EMB = RNG.normal(size=(B, D)).astype(np.float32)
PROTO = RNG.normal(size=(C * P, D)).astype(np.float32)


def reference_sq(emb, proto):
    diff = emb[:, None, None, :] - proto.reshape(C, P, D)[None]
    return (diff ** 2).sum(-1)  # [B, C, P]


@pytest.mark.parametrize("reduction, fn", [("min", np.min), ("max", np.max), ("mean", np.mean)])
def test_train_logits_squared_l2(reduction, fn):
    got = np.asarray(ph.prototype_logits(EMB, PROTO, C, "squared_l2", 0.01, reduction))
    np.testing.assert_allclose(got, -0.01 * fn(reference_sq(EMB, PROTO), axis=2), rtol=1e-4, atol=1e-5)


def test_train_logits_random_index():
    got = np.asarray(ph.prototype_logits(EMB, PROTO, C, "squared_l2", 0.5, "random", random_index=2))
    np.testing.assert_allclose(got, -0.5 * reference_sq(EMB, PROTO)[:, :, 2], rtol=1e-4, atol=1e-5)


def test_center_and_fixed_center_logits():
    centers = PROTO.reshape(C, P, D).mean(1)
    expected = -0.01 * ((EMB[:, None] - centers[None]) ** 2).sum(-1)
    np.testing.assert_allclose(np.asarray(ph.test_logits(EMB, PROTO, C)), expected, rtol=1e-4, atol=1e-5)
    fixed = PROTO.reshape(C, P, D)[:, 1]
    expected = -0.01 * ((EMB[:, None] - fixed[None]) ** 2).sum(-1)
    got = ph.test_logits(EMB, PROTO, C, center_type="fixed_center", fixed_center_idx=1)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-4, atol=1e-5)
    multi = ph.test_logits(EMB, PROTO, C, center_type="multi_center")
    np.testing.assert_allclose(np.asarray(multi), -0.01 * reference_sq(EMB, PROTO).min(2), rtol=1e-4, atol=1e-5)


def test_cosine_nearest_is_most_similar():
    e = EMB / np.linalg.norm(EMB, axis=1, keepdims=True)
    p = PROTO / np.linalg.norm(PROTO, axis=1, keepdims=True)
    cos = (e @ p.T).reshape(B, C, P)
    got = np.asarray(ph.prototype_logits(EMB, PROTO, C, "cosine", 2.0, "min"))
    np.testing.assert_allclose(got, 2.0 * cos.max(2), rtol=1e-5, atol=1e-6)


def test_distances_clamped_non_negative():
    same = np.tile(RNG.normal(size=(1, D)).astype(np.float32) * 1e3, (3, 1))
    assert np.asarray(ph.pairwise_squared_l2(same, same)).min() >= 0.0


def test_center_pull():
    centers = PROTO.reshape(C, P, D).mean(1)
    labels = np.array([0, 2, 1, 1, 0])
    got = np.asarray(ph.center_pull(EMB, labels, centers))
    np.testing.assert_allclose(got, ((centers[labels] - EMB) ** 2).sum(1), rtol=1e-5)
