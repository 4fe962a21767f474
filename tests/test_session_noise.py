"""Noise per session, and the fixes of the IntroGAN audit: centre logits in training with the configured centre,
replay noise that no training batch draws, a most-confused map that belongs to its session."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from introgan_tf import experiment
from introgan_tf.config import GrowthConfig, IntroGANConfig, TrainConfig
from introgan_tf.methods import get_method, resolve_config
from introgan_tf.testing import tiny_config


def method_and_scenario(synthetic_mnist, tmp_path, method="introgan", **replace):
    config = resolve_config(tiny_config(tmp_path, method=method).replace(**replace))
    scenario = experiment.make_scenario(config, synthetic_mnist)
    return get_method(method)(config, synthetic_mnist.info, scenario), scenario


@pytest.mark.parametrize("method", ["introgan", "mergan_ig", "mergan", "acgan", "dgr"])
def test_every_session_draws_its_own_noise(synthetic_mnist, tmp_path, method):
    """Session 2's in-graph noise is not session 1's replayed (it used to restart the same SeedGenerator)."""
    instance, scenario = method_and_scenario(synthetic_mnist, tmp_path, method)
    first, second = scenario.sessions[:2]
    instance.begin_session(first)
    z1 = keras.random.normal((4, 8), seed=instance.model.seed_generator)
    instance.end_session(first)
    instance.begin_session(second)
    z2 = keras.random.normal((4, 8), seed=instance.model.seed_generator)
    assert not np.allclose(np.asarray(z1), np.asarray(z2))
    assert instance.session_seed(first) != instance.session_seed(second)
    # Derived from (seed, session) only: a resumed run (a new method object) gets the same seeds.
    again, _ = method_and_scenario(synthetic_mnist, tmp_path, method)
    assert again.session_seed(second) == instance.session_seed(second)


@pytest.mark.parametrize("method", ["introgan", "mergan_ig"])
def test_replay_noise_is_no_training_batch_noise(synthetic_mnist, tmp_path, monkeypatch, method):
    """The pool replay's stateless seed never equals a seed of the session's SeedGenerator, (s, 0), (s, 1), ...

    (It was (seed, 7919 + session), while the generator drew (seed, k): the 7921st draw of session 2 was the
    replay's noise.)"""
    instance, scenario = method_and_scenario(synthetic_mnist, tmp_path, method)
    first, second = scenario.sessions[:2]
    instance.begin_session(first)
    instance.end_session(first)
    seeds = []
    original = tf.random.stateless_normal

    def recording(shape, seed, *args, **kwargs):
        seeds.append(tuple(int(v) for v in np.asarray(seed)))
        return original(shape, seed, *args, **kwargs)

    monkeypatch.setattr(tf.random, "stateless_normal", recording)
    instance.begin_session(second)
    monkeypatch.undo()
    training_key = int(np.asarray(instance.model.seed_generator.state)[0])
    assert seeds, "the replay noise was not drawn through tf.random.stateless_normal"
    assert all(key != training_key for key, _ in seeds), (seeds, training_key)


def test_train_rel_center_trains_with_the_configured_center():
    """--train_rel_center with --center_type fixed_center: the train logits are the fixed prototype's."""
    from introgan_tf.methods.introgan.model import IntroGANModel
    from introgan_tf.methods.introgan.networks import ConditionalGenerator, EmbeddingDiscriminator
    protos = np.random.default_rng(0).integers(0, 255, (3 * 2, 28, 28, 1), dtype=np.uint8)
    introgan = IntroGANConfig(proto_num=2, train_rel_center=True, center_type="fixed_center", fixed_center_idx=1)
    model = IntroGANModel(ConditionalGenerator(3), EmbeddingDiscriminator(), protos, 3, introgan,
                          TrainConfig(batch_size=4, critic_iters=1, mode="dcgan"), seed=0)
    rng = np.random.default_rng(1)
    embeddings, proto_emb = rng.normal(size=(5, 7)).astype(np.float32), rng.normal(size=(6, 7)).astype(np.float32)
    fixed = proto_emb.reshape(3, 2, 7)[:, 1]
    expected = -0.01 * ((embeddings[:, None, :] - fixed[None]) ** 2).sum(-1)
    np.testing.assert_allclose(np.asarray(model.train_logits(embeddings, proto_emb)), expected, rtol=1e-5, atol=1e-6)


def test_most_confused_map_belongs_to_its_session(synthetic_mnist, tmp_path):
    """Without growth by copy nothing is grown from an old class: the session's map is empty."""
    instance, scenario = method_and_scenario(synthetic_mnist, tmp_path, growth=GrowthConfig(improved_finetune=False))
    for session in scenario.sessions[:2]:
        instance.begin_session(session)
        assert instance.summary()["most_confused"] == {}
        instance.end_session(session)
    grown, _ = method_and_scenario(synthetic_mnist, tmp_path)
    for session in scenario.sessions[:2]:
        grown.begin_session(session)
        assert set(grown.summary()["most_confused"]) == {str(c) for c in session.new_original if session.index > 1}
        grown.end_session(session)
