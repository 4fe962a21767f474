"""The colour networks: every method on 32x32x3 images (SVHN's and CIFAR-10's shape), chosen from the data's
image shape; the growth of IntroGAN's conditional-batch-norm tables; one-line errors for shapes without networks.

Synthetic colour data (introgan_tf.testing.synthetic_rgb) under the mnist registry entry: its domain classifier
is 28x28x1, so the generation metrics (which need a domain classifier of the dataset's shape) are off here; the
accuracy, results.json, checkpoints and SavedModel are what these tests check.
"""

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.data.scenario import ClassIncrementalScenario
from introgan_tf.errors import InputError
from introgan_tf.methods import get_method, resolve_config
from introgan_tf.methods.common.replay import REPLAY_BATCH, generate_replay, replay_batch_size
from introgan_tf.methods.introgan.growth import class_rows, grow_generator
from introgan_tf.methods.introgan.networks import ConditionalBNGenerator, make_generator
from introgan_tf.testing import check_results, synthetic_rgb, tiny_config

ITERS = 2
# Narrow networks where the method has a width setting, so that every method's two sessions take seconds.
NARROW = {"introgan": 8, "mergan_ig": 8, "dgr_ig": 8, "lower_bound": 8}


@pytest.fixture(scope="module")
def rgb32():
    return synthetic_rgb(side=32, train_per_class=32, test_per_class=8)


@pytest.fixture
def no_generation_metrics(monkeypatch):
    monkeypatch.setattr(ClassIncrementalScenario, "generation_metrics_apply", False)


def colour_config(result_dir, method):
    return tiny_config(result_dir, method=method, iters=ITERS, test_interval=1, save_interval=2, sample_interval=2,
                       critic_iters=1 if method in ("mergan", "dgr") else None, dim=NARROW.get(method))


# The IntroGAN benchmark's methods (the baselines' are in test_colour_baselines.py; GAN Memory has its own tests),
# one per network family: upper_bound builds the same CNNClassifier as lower_bound (whose session 1 builds it
# fresh, as upper_bound does every session; session 2 adds the grown head), and the two differ only in their
# pools and the finetune default, which tests/test_bounds.py checks.
COLOUR_METHODS = ("dgr_ig", "introgan", "lower_bound", "mergan_ig")


def two_sessions_on_32x32x3(rgb32, tmp_path, method):
    config = colour_config(tmp_path, method)
    data = experiment.run(config, data=rgb32)
    resolved = resolve_config(config)
    instance = get_method(method)(resolved, rgb32.info, experiment.make_scenario(resolved, rgb32))
    check_results(data, method, iters=ITERS, test_interval=1, evaluated=instance.evaluates_at)
    check_saved_model_32x32x3(tmp_path / "saved_model", method)


def check_saved_model_32x32x3(path, method):
    """The SavedModel after two sessions of 2 classes: classify gives 4 logits, generate 32x32x3 images."""
    import tensorflow as tf
    model = tf.saved_model.load(str(path))
    out = model.signatures["classify"](images=tf.constant(np.zeros((3, 32, 32, 3), np.float32)))
    assert out["logits"].shape == (3, 4)  # the 4 classes seen after session 2
    if get_method(method).generates:
        z_dim = int(model.z_dim.numpy())  # the signature takes any width, to name a wrong one in its error
        inputs = dict(z=tf.zeros((4, z_dim)))
        if getattr(get_method(method), "conditional", True):
            inputs["labels"] = tf.constant([0, 1, 2, 3], tf.int32)
        images = model.signatures["generate"](**inputs)["images"].numpy()
        assert images.shape == (4, 32, 32, 3) and np.all(np.abs(images) <= 1.0)


@pytest.mark.parametrize("method", COLOUR_METHODS)
def test_two_sessions_on_32x32x3(rgb32, tmp_path, no_generation_metrics, method):
    two_sessions_on_32x32x3(rgb32, tmp_path, method)


@pytest.mark.parametrize("method", ["introgan", "mergan_ig", "dgr_ig", "lower_bound"])
def test_shape_without_networks_is_one_line(tmp_path, method):
    data = synthetic_rgb(side=48, train_per_class=4, test_per_class=2)
    with pytest.raises(InputError, match=r"--method=.*48x48x3.*28x28, 32x32") as error:
        experiment.run(colour_config(tmp_path, method), data=data)
    assert "\n" not in str(error.value)


def test_conditional_batch_norm_tables_grow_by_copy_and_noise():
    old = ConditionalBNGenerator(2, z_dim=16, dim=8)
    rng = np.random.default_rng(0)
    for table in old.class_tables():  # rows that differ, so a copy is recognisable
        table.assign(rng.normal(1.0, 0.3, table.shape).astype(np.float32))
    before = class_rows(old, [0, 1]).copy()
    new = grow_generator(old, 4, {2: 1, 3: 0}, np.random.default_rng(1), noise_level=0.5)
    assert [t.shape for t in new.class_tables()] == [(4, t.shape[1]) for t in old.class_tables()]
    np.testing.assert_array_equal(class_rows(new, [0, 1]), before)  # old rows stay exactly as restored
    np.testing.assert_array_equal(new.g_input.get_weights()[0], old.g_input.get_weights()[0])
    np.testing.assert_array_equal(new.g_deconv2.get_weights()[0], old.g_deconv2.get_weights()[0])
    for new_table, old_table in zip(new.class_tables(), old.class_tables()):
        source = old_table.numpy()[1]
        delta = new_table.numpy()[2] - source  # class 2 copies class 1, noise scaled by the row's std
        assert 0.0 < delta.std() < 1.5 * 0.5 * source.std() + 1e-6
    exact = grow_generator(old, 3, {2: 1}, None, add_noise=False)
    np.testing.assert_array_equal(class_rows(exact, [2]), class_rows(old, [1]))
    z = np.random.default_rng(2).standard_normal((6, 16)).astype(np.float32)
    labels = np.array([0, 1, 0, 1, 1, 0], np.int32)  # the old classes generate what they did
    np.testing.assert_allclose(np.asarray(exact((z, labels))), np.asarray(old((z, labels))), atol=1e-5)
    fresh = grow_generator(old, 3, {}, None, copy_rows=False)  # improved_finetune=False: gamma 1, beta 0
    tables = [t.numpy() for t in fresh.class_tables()]
    assert all(np.all(g == 1.0) for g in tables[0::2]) and all(np.all(b == 0.0) for b in tables[1::2])
    np.testing.assert_array_equal(fresh.g_input.get_weights()[0], old.g_input.get_weights()[0])


def test_batch_statistics_generators_replay_in_training_batches():
    config = resolve_config(tiny_config("/unused", method="introgan", batch_size=5))
    generator = make_generator(2, (32, 32, 3), z_dim=16, dim=8)
    assert replay_batch_size(generator, config) == 5
    assert replay_batch_size(make_generator(2, (28, 28, 1), z_dim=16, dim=8), config) == REPLAY_BATCH
    calls = []

    def generate(z, labels):
        calls.append(len(labels))
        return generator((z, labels))

    images, labels = generate_replay(generate, 2, 6, 16, seed=3, batch_size=5)
    assert calls == [5, 5, 2] and images.shape == (12, 32, 32, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, np.repeat([0, 1], 6))


def test_per_dataset_defaults_of_the_colour_networks():
    from introgan_tf.config import ExperimentConfig

    def resolved(method, dataset):
        return resolve_config(ExperimentConfig(dataset=dataset, method=method, result_dir="/unused"))

    for method in ("introgan", "mergan_ig", "dgr_ig"):
        svhn, mnist = resolved(method, "svhn"), resolved(method, "mnist")
        assert (svhn.train.z_dim, svhn.train.dim, svhn.replay.replay_per_class) == (128, 64, 7325)
        assert (mnist.train.z_dim, mnist.train.dim, mnist.replay.replay_per_class) == (100, 64, 6000)
    svhn = resolved("mergan", "svhn")
    assert (svhn.train.iters, svhn.mergan.ra_factor, svhn.train.z_dim, svhn.train.dim) == (8001, 1e-2, 128, 32)
    lsun = resolved("mergan", "lsun")
    assert (lsun.train.iters, lsun.train.dim) == (20001, 64)
    with pytest.raises(InputError, match="--z_dim=8: --method=lower_bound has no such setting"):
        resolve_config(ExperimentConfig(dataset="cifar10", method="lower_bound", result_dir="/unused").replace_path(
            "train.z_dim", 8))
