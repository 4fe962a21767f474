"""The baselines' colour networks (MeRGAN, DGR; AC-GAN in test_colour_runs.py): two sessions on 32x32x3
synthetic data, and MeRGAN's 64x64 LSUN ResNets for one training iteration with replay (test_colour_networks.py
has the IntroGAN family)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

# The shared helpers of test_colour_networks.py (a plain file import: tests/ is not a package).
_SPEC = importlib.util.spec_from_file_location("colour_networks", Path(__file__).with_name("test_colour_networks.py"))
colour = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(colour)
rgb32 = colour.rgb32
no_generation_metrics = colour.no_generation_metrics


# AC-GAN's 32x32x3 run is test_colour_runs.py's run on CIFAR-10 files, which makes the same checks.
@pytest.mark.parametrize("method", ["dgr", "mergan"])
def test_two_sessions_on_32x32x3(rgb32, tmp_path, no_generation_metrics, method):  # noqa: F811
    colour.two_sessions_on_32x32x3(rgb32, tmp_path, method)


def test_mergan_64x64_resnets_forward_and_one_step_with_replay():
    """LSUN's shape: the ResNet pair, one training iteration of a session with RA replay (n = B per old class)."""
    import tensorflow as tf

    from introgan_tf.config import AuxClassifierConfig, MeRGANConfig, TrainConfig
    from introgan_tf.methods.mergan.model import MeRGANModel
    from introgan_tf.methods.mergan.networks import MeRGANResNetCritic, MeRGANResNetGenerator, make_networks

    generator, critic = make_networks(4, (64, 64, 3), z_dim=16, dim=4)
    assert isinstance(generator, MeRGANResNetGenerator) and isinstance(critic, MeRGANResNetCritic)
    old = make_networks(4, (64, 64, 3), z_dim=16, dim=4)[0]
    z, labels = np.random.default_rng(0).standard_normal((3, 16)).astype(np.float32), np.array([0, 1, 3], np.int32)
    images = np.asarray(generator((z, labels)))
    assert images.shape == (3, 64, 64, 3) and np.all(np.abs(images) <= 1)
    source, logits = critic(images)
    assert source.shape == (3,) and logits.shape == (3, 4)
    # per sample: a sample's critic outputs do not depend on the rest of its batch (the GP is per sample)
    np.testing.assert_allclose(np.asarray(critic(images[:1])[0]), np.asarray(source[:1]), rtol=1e-4, atol=1e-5)

    train = TrainConfig(batch_size=4, critic_iters=1, iters=1)
    model = MeRGANModel(generator, critic, old, [2], num_old=2, num_seen=3, image_shape=(64, 64, 3),
                        mergan=MeRGANConfig(mergan_mode="ra", ra_factor=1e-2), aux=AuxClassifierConfig(acgan_scale_g=1.0),
                        train=train, seed=0)
    assert model.lsun_protocol and model.replay_per_class == 4
    model.compile(d_optimizer=keras_adam(), g_optimizer=keras_adam(), jit_compile=False)
    before = [w.numpy().copy() for w in critic.trainable_variables]
    real = tf.constant(np.random.default_rng(1).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32))
    model.fit(tf.data.Dataset.from_tensors((real, tf.constant([2, 2, 2, 2], tf.int64))), epochs=1, verbose=0)
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(before, critic.trainable_variables))
    assert np.asarray(model.classify(real)).shape == (4, 3)


def keras_adam():
    import keras
    return keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)
