"""AC-GAN on real MNIST: sequential and --joint runs (the latter resumed), their outputs and
SavedModels, the losses, the conditioning, which step trains what, the pools, padding, the flag defaults."""

import json
import os

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.config import ACGANConfig
from introgan_tf.testing import check_results, check_saved_model_without_package, tiny_config, without_export

ITERS = 3


def acgan_config(shared_data, result_dir, joint, **overrides):
    return tiny_config(result_dir, method="acgan", data_dir=str(shared_data / "mnist"), iters=ITERS).replace(
        acgan=ACGANConfig(joint=joint), **overrides)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared_data):
    """sequential: 2 sessions in one go; joint: 1 session, then --resume with 2."""
    root = shared_data
    sequential = tmp_path_factory.mktemp("acgan_sequential")
    joint = tmp_path_factory.mktemp("acgan_joint")
    with without_export(keep=(2,)):  # only session 2's SavedModel is read; session 1's would be replaced first
        experiment.run(acgan_config(root, joint, True, num_sessions=1))
        return {"sequential": (sequential, experiment.run(acgan_config(root, sequential, False))),
                "joint": (joint, experiment.run(acgan_config(root, joint, True, resume=True)))}


@pytest.mark.parametrize("mode", ["sequential", "joint"])
def test_runs_write_results_samples_checkpoints(runs, mode):
    result_dir, data = runs[mode]
    check_results(data, "acgan", iters=ITERS, test_interval=3)
    assert json.load(open(result_dir / "results.json")) == json.loads(json.dumps(data))
    first, second = data["sessions"]
    assert first["joint"] is second["joint"] is (mode == "joint")
    assert first["pool_classes"] == [0, 1]
    assert second["pool_classes"] == ([0, 1, 2, 3] if mode == "joint" else [2, 3])
    assert second["pool_size"] == (5923 + 6742 + 5958 + 6131 if mode == "joint" else 5958 + 6131)
    assert set(second["generated_accuracy"]) == {"0", "1", "2", "3"}
    for s in (1, 2):
        assert os.path.isfile(result_dir / "samples" / f"session_{s}.png")
        assert os.listdir(result_dir / "checkpoints" / f"session_{s}")


def test_saved_models_without_our_package(runs):
    paths = [str(runs[m][0] / "saved_model") for m in ("sequential", "joint")]
    check_saved_model_without_package(paths, z_dim=110, num_classes=4)


def test_class_loss_is_log_softmax_cross_entropy():
    from introgan_tf.methods.acgan.model import class_loss
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]], np.float32)
    labels = np.array([2, 1], np.int32)
    shifted = logits - logits.max(1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    expected = -log_softmax[np.arange(2), labels]
    np.testing.assert_allclose(np.asarray(class_loss(logits, labels)), expected, rtol=1e-6)
    nll_on_softmax = -np.exp(log_softmax)[np.arange(2), labels]  # the original's NLLLoss(softmax) bug (#3, #8)
    assert not np.allclose(expected, nll_on_softmax, atol=1e-2)


def test_one_hot_overwrites_the_first_entries_of_z():
    from introgan_tf.methods.acgan.networks import NZ, ACGANGenerator, condition_noise
    z = np.random.default_rng(0).standard_normal((3, NZ)).astype(np.float32)
    labels = np.array([0, 4, 9], np.int32)
    conditioned = np.asarray(condition_noise(z, labels, 10))
    np.testing.assert_array_equal(conditioned[:, :10], np.eye(10, dtype=np.float32)[labels])
    np.testing.assert_array_equal(conditioned[:, 10:], z[:, 10:])
    generator = ACGANGenerator(10)
    other = z.copy()
    other[:, :10] = 5.0  # entries the label overwrites do not matter
    np.testing.assert_array_equal(np.asarray(generator((z, labels))), np.asarray(generator((other, labels))))
    assert generator.z_dim == NZ == 110


def make_model(num_seen=4, fake_classes=(2, 4)):
    import keras
    from introgan_tf.methods.acgan.model import ACGANModel
    from introgan_tf.methods.acgan.networks import ACGANDiscriminator, ACGANGenerator
    model = ACGANModel(ACGANGenerator(10), ACGANDiscriminator(10), num_seen, fake_classes, (28, 28, 1),
                       acgan_scale=1.0, acgan_scale_g=1.0, batch_size=8, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-4, 0.5), g_optimizer=keras.optimizers.Adam(2e-4, 0.5))
    return model


def test_d_step_trains_only_d_and_g_step_only_g():
    import tensorflow as tf
    from introgan_tf.layers.resolution import pad_to_32

    def snapshot(network):
        return [v.numpy().copy() for v in network.trainable_variables]

    def changed(before, network):
        return any(not np.array_equal(a, v.numpy()) for a, v in zip(before, network.trainable_variables))

    model = make_model()
    real = pad_to_32(np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32))
    labels = np.array([0, 1, 2, 3] * 2, np.int32)
    z, fake_labels = model.sample_fakes(8)
    assert set(np.asarray(fake_labels).tolist()) <= {2, 3}
    g_before, d_before = snapshot(model.generator), snapshot(model.discriminator)
    with tf.GradientTape() as tape:
        fakes = model.generator((z, fake_labels), training=True)
    model.discriminator_step(real, labels, tf.stop_gradient(fakes), fake_labels)
    assert changed(d_before, model.discriminator) and not changed(g_before, model.generator)
    d_before = snapshot(model.discriminator)
    model.generator_step(tape, fakes, fake_labels)
    assert changed(g_before, model.generator) and not changed(d_before, model.discriminator)
    # A whole iteration trains both, and the classifier sees the seen classes only.
    model.train_step((np.zeros((8, 28, 28, 1), np.float32), labels))
    assert int(model.iteration.numpy()) == 1
    assert model(np.zeros((5, 28, 28, 1), np.float32)).shape == (5, 4)


def test_padding_and_crop_round_trip():
    from introgan_tf.layers.resolution import crop_to, pad_to_32
    images = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
    padded = np.asarray(pad_to_32(images))
    assert padded.shape == (2, 32, 32, 1)
    np.testing.assert_array_equal(np.asarray(crop_to(padded, (28, 28, 1))), images)
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    assert (padded[:, border] == -1.0).all()
    assert pad_to_32(padded) is padded


@pytest.mark.parametrize("joint, expected", [(False, {2, 3}), (True, {0, 1, 2, 3})])
def test_pools(shared_data, tmp_path, joint, expected):
    from introgan_tf.data.class_orders import get_class_order
    from introgan_tf.data.datasets import load_dataset
    from introgan_tf.data.scenario import ClassIncrementalScenario
    from introgan_tf.methods import get_method
    data = load_dataset("mnist", str(shared_data / "mnist"), "idx", None, False)
    scenario = ClassIncrementalScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                                        y_test=data.y_test, class_order=get_class_order(1, 10), nb_cl=2)
    from introgan_tf.methods import resolve_config
    method = get_method("acgan")(resolve_config(acgan_config(shared_data, tmp_path, joint)), data.info, scenario)
    first, second = scenario.sessions[:2]
    method.begin_session(first)
    assert set(np.unique(method.pool[1]).tolist()) == {0, 1}
    method.end_session(first)
    method.begin_session(second)
    labels = method.pool[1]
    assert set(np.unique(labels).tolist()) == expected
    assert len(labels) == np.isin(scenario.y_train, sorted(expected)).sum()  # every real image, nothing else
    assert method.model.fake_classes == (min(expected), 4)  # y~ over the classes the session trains on
    # Sequential continues from the previous networks; joint starts from fresh ones.
    assert (method.model.generator is method.generator) is not joint
    assert method.z_dim == 110


def test_flag_defaults(cli_config):
    from introgan_tf.errors import InputError
    build = cli_config
    config = build(method="acgan")
    assert config.aux.acgan_scale_g == 1.0 and config.aux.acgan_scale == 1.0
    assert config.growth.finetune is True and config.acgan.joint is False
    assert (config.train.batch_size, config.train.iters, config.train.adam_lr, config.train.adam_beta1,
            config.train.mode) == (100, 10000, 2e-4, 0.5, "dcgan")
    joint = build(method="acgan", joint=True)
    assert joint.growth.finetune is False and joint.acgan.joint is True
    with pytest.raises(InputError, match="--mode=wgan-gp"):
        build(method="acgan", mode="wgan-gp")
