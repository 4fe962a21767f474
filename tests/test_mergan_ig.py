"""MeRGAN-ig on real MNIST: a 2-session run, its outputs, growth of G and D's class head."""

import glob
import os

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.config import AuxClassifierConfig, TrainConfig
from introgan_tf.methods.mergan_ig.model import MeRGANIGModel
from introgan_tf.methods.mergan_ig.networks import ConditionalGenerator, MeRGANIGDiscriminator
from introgan_tf.testing import check_results, check_saved_model_without_package, tiny_config

ITERS = 6


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, shared_data):
    result_dir = tmp_path_factory.mktemp("mergan_ig")
    config = tiny_config(result_dir, method="mergan_ig", data_dir=str(shared_data / "mnist"), iters=ITERS)
    return result_dir, experiment.run(config)


def test_run_writes_results_samples_and_saved_model(finished_run):
    result_dir, data = finished_run
    check_results(data, "mergan_ig", iters=ITERS, test_interval=3)
    # MNIST has 5923 + 6742 images of 0, 1 and 5958 + 6131 of 2, 3; session 2 adds 30 replayed images per old class.
    assert [s["pool_size"] for s in data["sessions"]] == [5923 + 6742, 5958 + 6131 + 2 * 30]
    assert set(data["sessions"][1]["most_confused"]) == {"2", "3"}
    for s in (1, 2):
        assert os.path.isfile(result_dir / "samples" / f"session_{s}.png")
        assert glob.glob(str(result_dir / "checkpoints" / f"session_{s}" / "ckpt-*.index"))
    check_saved_model_without_package(result_dir / "saved_model", z_dim=100, num_classes=4)


def test_discriminator_growth_keeps_old_outputs():
    from introgan_tf.methods.common.growth import grow_class_head
    old = MeRGANIGDiscriminator(2)
    images = np.random.default_rng(0).uniform(-1, 1, (6, 28, 28, 1)).astype(np.float32)
    grown = grow_class_head(old, 4, {2: 0, 3: 1}, None, add_noise=False)
    (old_source, old_class), (new_source, new_class) = old(images), grown(images)
    np.testing.assert_allclose(np.asarray(new_source), np.asarray(old_source), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(new_class), np.asarray(old_class)[:, [0, 1, 0, 1]], rtol=1e-5, atol=1e-5)


def test_steps_train_the_right_variables():
    """Class step: trunk + class head only; adversarial step: trunk + source head; no G step at iteration 0."""
    import keras

    def snapshot(model):
        return {name: [w.copy() for w in layer.get_weights()] for name, layer in
                [("g", model.generator.g_input), ("source", model.discriminator.source_output),
                 ("class", model.discriminator.class_output), ("trunk", model.discriminator.d_conv1)]}

    def changed(before, after):
        return {name for name in before if any(not np.array_equal(a, b) for a, b in zip(before[name], after[name]))}

    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    labels = np.array([0, 1] * 4, np.int32)
    for classification_only, expected in ((True, {"class", "trunk"}), (False, {"class", "trunk", "source"})):
        train = TrainConfig(batch_size=4, critic_iters=1, mode="dcgan", classification_only=classification_only)
        model = MeRGANIGModel(ConditionalGenerator(2), MeRGANIGDiscriminator(2), 2, AuxClassifierConfig(acgan_scale_g=0.1),
                              train, seed=0)
        model.compile(**{f"{k}_optimizer": keras.optimizers.Adam(2e-4, 0.5) for k in "dgc"})
        before = snapshot(model)
        model.train_step((images, labels))  # 1 adversarial + 1 class batch of 4
        assert changed(before, snapshot(model)) == expected and int(model.iteration.numpy()) == 1
        before = snapshot(model)
        model.train_step((images, labels))
        assert ("g" in changed(before, snapshot(model))) is not classification_only


def test_flags_reach_the_config(cli_config):
    from introgan_tf.errors import InputError
    build = cli_config
    config = build(method="mergan_ig", class_iters=2, acgan_scale_g=0.5, use_softmax=False)
    assert config.aux == AuxClassifierConfig(class_iters=2, acgan_scale_g=0.5, use_softmax=False)
    assert config.growth.finetune is True
    with pytest.raises(InputError, match="--class_iters=0"):
        build(method="mergan_ig", class_iters=0)


def test_wgan_gp_mode_steps_are_finite():
    """--mode wgan-gp: the penalty on the source logit (SessionModel.interpolation_penalty) enters the D loss."""
    import keras
    model = MeRGANIGModel(ConditionalGenerator(2), MeRGANIGDiscriminator(2), 2, AuxClassifierConfig(acgan_scale_g=0.1),
                          TrainConfig(batch_size=4, critic_iters=1, mode="wgan-gp"), seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam(),
                  c_optimizer=keras.optimizers.Adam())
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    labels = rng.integers(0, 2, 8).astype(np.int32)
    for _ in range(2):
        logs = {k: float(v) for k, v in model.train_step((images, labels)).items()}
    assert all(np.isfinite(v) for v in logs.values()), logs
    penalty = float(model.interpolation_penalty(lambda x: model.discriminator(x, training=True)[0],
                                                images[:4], images[4:]))
    assert penalty >= 0.0
