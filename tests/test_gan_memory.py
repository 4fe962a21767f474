"""GAN Memory (docs/methods.md#gan_memory): the no-forgetting checks, the sizes, the losses and the source files.

Two tasks x a few iterations end to end on synthetic data with a seeded random source (the mechanism does not
depend on image quality); tests/test_all_methods.py adds the interrupted-and-resumed run and the checkpoint of
every variable for both registered names.
"""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from introgan_tf import experiment, losses
from introgan_tf.config import GANMemoryConfig
from introgan_tf.errors import InputError
from introgan_tf.methods import resolve_config
from introgan_tf.testing import check_saved_model_without_package, tiny_config, without_export

WIDTH = 16


def gm_config(result_dir, method="gan_memory", iters=4, **gan_memory):
    config = tiny_config(result_dir, method=method, iters=iters, test_interval=2, save_interval=2, sample_interval=2)
    return config.replace(gan_memory=GANMemoryConfig(**dict(dict(
        width=WIDTH, source_checkpoint="random:3" if method == "gan_memory" else None), **gan_memory)))


# ------------------------------------------------------------------------------------------------ sizes and start
def test_counts_are_the_formulas_of_the_width_table():
    """nf 16 at 32x32: G 715,633, D 455,666; per task G style + class bias 104,416 + 4,096, D 98,384 + 4,098."""
    from introgan_tf.methods.gan_memory.modulation import normalise_network, style_count
    from introgan_tf.methods.gan_memory.networks import ResNetDiscriminator, ResNetGenerator
    generator, discriminator = ResNetGenerator(WIDTH, 1), ResNetDiscriminator(WIDTH, 1, n_out=2)
    assert generator.count_params() == 715633 and discriminator.count_params() == 455666
    g_stats, d_stats = normalise_network(generator), normalise_network(discriminator)
    assert style_count(g_stats) == 104416 and style_count(g_stats, 2, 2048) == 108512
    assert style_count(d_stats) == 98384 and discriminator.fc.count_params() == 4098


def test_modulated_networks_start_equal_to_the_source():
    """Check 1: after normalisation, G_t(z, y) = G_source(z) for every label, D's trunk likewise (<= 1e-5)."""
    from introgan_tf.methods.gan_memory.modulation import StyleBank, normalise_network
    from introgan_tf.methods.gan_memory.source import random_source
    generator, discriminator = random_source(5, WIDTH, 1, 32)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 128)).astype(np.float32)
    images = rng.uniform(-1, 1, (4, 32, 32, 1)).astype(np.float32)
    source_images, source_features = np.asarray(generator(z)), np.asarray(discriminator.features(images))
    g_stats, d_stats = normalise_network(generator), normalise_network(discriminator)
    g_bank = StyleBank({n: s.shape for n, (s, _) in g_stats.items()}, 2, "fc", initial=g_stats)
    d_bank = StyleBank({n: s.shape for n, (s, _) in d_stats.items()}, initial=d_stats)
    for label in (0, 1):
        modulated = np.asarray(generator(z, styles=g_bank.styles(np.full(4, label))))
        assert np.max(np.abs(modulated - source_images)) <= 1e-5
    features = np.asarray(discriminator.features(images, styles=d_bank.styles()))
    assert np.max(np.abs(features - source_features)) <= 1e-5 * max(1.0, np.max(np.abs(source_features)))


def test_constant_kernel_slice_is_guarded():
    from introgan_tf.methods.gan_memory.modulation import normalise_kernel
    kernel = np.ones((3, 3, 2, 2), np.float32)
    kernel[..., 1, 1] = np.arange(9).reshape(3, 3)
    normalised, sigma, mu = normalise_kernel(kernel, (0, 1))
    assert np.all(np.isfinite(normalised)) and sigma[0, 0, 0, 0] == 1.0 and np.all(normalised[..., 0, 0] == 0)
    np.testing.assert_allclose(normalised * sigma + mu, kernel, atol=1e-6)


# ------------------------------------------------------------------------------------------------ losses
def test_r1_matches_finite_differences_and_has_second_order_gradients():
    """Check 8: R1 = mean_b |dD(x_b)/dx_b|^2, gradient against central differences; its own gradient through
    average pooling exists (the D step differentiates it)."""
    import tensorflow as tf
    from introgan_tf.methods.gan_memory.networks import ResNetDiscriminator
    discriminator = ResNetDiscriminator(2, 1, n_out=1)
    rng = np.random.default_rng(1)
    x = tf.constant(rng.uniform(-1, 1, (2, 32, 32, 1)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(discriminator(x))
    grads = tape.gradient(total, x).numpy()
    r1 = float(losses.r1_penalty(discriminator, x))
    np.testing.assert_allclose(r1, np.mean(np.sum(grads ** 2, axis=(1, 2, 3))), rtol=1e-5)
    x64 = x.numpy().astype(np.float64)
    for _ in range(3):
        v = rng.standard_normal(x64.shape)
        v /= np.linalg.norm(v)
        eps = 1e-2
        diff = (np.sum(discriminator(tf.constant(x64 + eps * v, tf.float32)).numpy().astype(np.float64))
                - np.sum(discriminator(tf.constant(x64 - eps * v, tf.float32)).numpy().astype(np.float64))) / (2 * eps)
        np.testing.assert_allclose(diff, np.sum(grads * v), rtol=2e-2, atol=1e-4)
    with tf.GradientTape() as tape:
        penalty = losses.r1_penalty(discriminator, x)
    kernels = [v for v in discriminator.trainable_variables if "kernel" in v.path]
    second = tape.gradient(penalty, kernels)  # (a bias of the last layer cannot change dD/dx: no gradient)
    assert all(g is not None for g in second) and all(float(tf.reduce_sum(tf.abs(g))) > 0 for g in second)


def test_d_loss_sums_two_means():
    real, fake = np.array([0.5, -1.0], np.float32), np.array([2.0, 0.0, 1.0], np.float32)
    softplus = lambda t: np.log1p(np.exp(t))  # noqa: E731
    expected = np.mean(softplus(-real)) + np.mean(softplus(fake))
    np.testing.assert_allclose(float(losses.gan_memory_d_loss(real, fake)), expected, rtol=1e-6)


# ------------------------------------------------------------------------------------------------ no forgetting
@pytest.fixture(scope="module")
def two_tasks(synthetic_mnist, tmp_path_factory):
    """A 2-task run that records, right after each task, task 1's samples for fixed (z, y) and the hashes."""
    from introgan_tf.methods.gan_memory.method import GANMemory, variables_sha256
    result_dir = tmp_path_factory.mktemp("gan_memory")
    z = np.random.default_rng(7).standard_normal((6, 128)).astype(np.float32)
    labels = np.array([0, 1, 0, 1, 1, 0], np.int32)
    records = []
    original_end = GANMemory.end_session
    original_begin = GANMemory.begin_session

    def begin(self, session):
        original_begin(self, session)
        model = self.model
        records.append(dict(stage=f"begin {session.index}", frozen=self.frozen_sha256(),
                            g_trained={id(v) for v in model.bank.trainable_variables},
                            optimised={id(v) for o in (model.g_optimizer, model.d_optimizer, model.c_optimizer)
                                       for v in o._trainable_variables},
                            old_memory={id(v) for m in self.memories for v in m.weights},
                            model_trainable=sum(int(np.prod(v.shape)) for v in model.bank.trainable_variables),
                            d_trainable=sum(int(np.prod(v.shape)) for v in model.d_bank.trainable_variables
                                            + model.d_head.trainable_variables),
                            replay=[np.asarray(t) for t in model.replay_batch_data()] if self.memories else None))

    def end(self, session):
        original_end(self, session)
        records.append(dict(stage=f"end {session.index}", frozen=self.frozen_sha256(),
                            task1=self.model.task_images(self.memories[0], z, labels).numpy(),
                            task1_generate=np.asarray(self.model.generate(z, labels)),
                            memory1=variables_sha256(self.memories[0].weights)))

    # Grids only at the ends of tasks, and only task 2's SavedModel (the one read): the checks read neither
    # (tests/test_distribution.py draws mid-task grids, under two replicas).
    config = gm_config(result_dir, iters=5, gan_iterations=3, classifier_iterations=2)
    config = config.replace(train=dataclasses.replace(config.train, sample_interval=5))
    mp = pytest.MonkeyPatch()
    mp.setattr(GANMemory, "begin_session", begin)
    mp.setattr(GANMemory, "end_session", end)
    try:
        with without_export(keep=(2,)):
            data = experiment.run(config, data=synthetic_mnist)
    finally:
        mp.undo()
    return result_dir, data, records


def test_task_1_samples_are_bitwise_identical_after_task_2(two_tasks):
    """Check 3 (and 4): task 1's memory, its samples for fixed (z, y) and its hash do not change in task 2."""
    _, _, records = two_tasks
    end_1, end_2 = [r for r in records if r["stage"].startswith("end")]
    assert np.array_equal(end_1["task1"], end_2["task1"])
    assert np.array_equal(end_1["task1_generate"], end_2["task1_generate"])  # through generate(z, labels) too
    assert end_1["memory1"] == end_2["memory1"]
    assert not np.allclose(end_1["task1"], 0.0)


def test_frozen_source_and_old_memories_are_never_optimised(two_tasks):
    """Checks 2, 4, 5: the source hash never changes; no optimiser of task 2 lists task 1's memory; the G
    optimiser trains exactly the current style bank, whose size is the formula's, D its style and head."""
    _, data, records = two_tasks
    assert len({r["frozen"] for r in records}) == 1
    begin_1, begin_2 = [r for r in records if r["stage"].startswith("begin")]
    assert begin_2["old_memory"] and not begin_2["old_memory"] & begin_2["optimised"]
    for begin in (begin_1, begin_2):
        assert begin["g_trained"] <= begin["optimised"]
        assert begin["model_trainable"] == 108512 and begin["d_trainable"] == 98384 + 4098
    for session in data["sessions"]:
        assert session["frozen_source_unchanged"] is True
        assert session["memory_per_task"]["parameters"] == session["memory_per_task"]["stored_parameters_measured"]
        assert session["memory_per_task"]["bytes"] == 4 * 108512
    assert data["sessions"][1]["memory_sha256"][0] == data["sessions"][0]["memory_sha256"][0]


def test_classifier_replay_is_wired_to_the_earlier_tasks(two_tasks):
    """Check 9: from task 2 on a classifier step holds t x 36 generated images labelled with earlier classes."""
    _, _, records = two_tasks
    begin_1, begin_2 = [r for r in records if r["stage"].startswith("begin")]
    assert begin_1["replay"] is None
    images, labels = begin_2["replay"]
    assert images.shape == (36, 28, 28, 1) and set(labels.tolist()) <= {0, 1} and len(set(labels.tolist())) == 2


def test_results_and_saved_model_without_our_package(two_tasks):
    result_dir, data, _ = two_tasks
    assert data["complete"] and len(data["sessions"]) == 2 and 0 < data["ta_acc"] <= 1
    assert "generated_accuracy" in data["sessions"][1]
    check_saved_model_without_package(result_dir / "saved_model", z_dim=128, num_classes=4)


# ------------------------------------------------------------------------------------------------ the source
def test_source_round_trip_and_refusals(tmp_path):
    from introgan_tf.methods.gan_memory.networks import ResNetGenerator
    from introgan_tf.methods.gan_memory.source import load_source, random_source, write_source
    generator, discriminator = random_source(1, WIDTH, 1, 32)
    directory = write_source(str(tmp_path / "run" / "source"), generator, discriminator, generator,
                             dataset="fashion-mnist", width=WIDTH, channels=1, image_size=32, iterations=0, seed=1)
    loaded, _, info = load_source(str(tmp_path / "run"), WIDTH, 1, 32, "mnist")  # the run's dir works too
    for a, b in zip(loaded.weights, generator.weights):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert info["dataset"] == "fashion-mnist"
    for args, text in [((WIDTH * 2, 1, 32, "mnist"), "width"), ((WIDTH, 3, 32, "mnist"), "channels"),
                       ((WIDTH, 1, 32, "fashion-mnist"), "target dataset")]:
        with pytest.raises(InputError, match=text):
            load_source(directory, *args)
    with pytest.raises(InputError, match="no manifest.json"):
        load_source(str(tmp_path / "nothing"), WIDTH, 1, 32, "mnist")
    with pytest.raises(InputError, match="random:<integer seed>"):
        load_source("random:x", WIDTH, 1, 32, "mnist")
    ResNetGenerator(WIDTH, 1).save_weights(f"{directory}/generator.weights.h5")  # changed behind the manifest
    with pytest.raises(InputError, match="sha256"):
        load_source(directory, WIDTH, 1, 32, "mnist")


def test_gan_memory_needs_a_source(synthetic_mnist, tmp_path):
    with pytest.raises(InputError, match="--source_checkpoint"):
        experiment.run(gm_config(tmp_path, source_checkpoint=None), data=synthetic_mnist)


def test_iterations_resolve_as_the_two_phases():
    config = resolve_config(gm_config("/tmp/unused", gan_iterations=None).replace(
        train=tiny_config("/tmp/unused").train.__class__(iters=None)))
    assert config.gan_memory.gan_iterations == 60000 and config.gan_memory.classifier_iterations == 667
    assert config.train.iters == 60667 and config.train.batch_size == 16
    assert (config.train.adam_lr, config.train.adam_beta1, config.train.adam_beta2) == (1e-4, 0.0, 0.99)
    source = resolve_config(gm_config("/tmp/unused", method="gan_memory_source").replace(
        nb_cl=None, num_sessions=None, train=tiny_config("/tmp/unused").train.__class__(iters=None)))
    assert source.nb_cl == 10 and source.train.batch_size == 64
    with pytest.raises(InputError, match="--gm_gan_iterations"):
        resolve_config(gm_config("/tmp/unused", gan_iterations=3, classifier_iterations=3))


def test_cli_with_a_wrong_source_is_one_line(repo_root, synthetic_mnist, tmp_path):
    """``python main.py --method gan_memory`` with the source of another width: exit 2, one line."""
    import os
    from introgan_tf.methods.gan_memory.source import random_source, write_source
    from introgan_tf.testing import write_idx_files
    data_dir = write_idx_files(str(tmp_path / "mnist"), synthetic_mnist)
    generator, discriminator = random_source(0, 8, 1, 32)
    source = write_source(str(tmp_path / "source"), generator, discriminator, generator, dataset="fashion-mnist",
                          width=8, channels=1, image_size=32, iterations=0, seed=0)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    # (A missing --source_checkpoint is the same InputError path: test_gan_memory_needs_a_source.)
    for extra, text in ((["--source_checkpoint", source], "width 8"),):
        result = subprocess.run([sys.executable, "main.py", "--dataset", "mnist", "--method", "gan_memory",
                                 "--data_dir", data_dir, "--gan_memory_width", "16", "--result_dir",
                                 str(tmp_path / f"run{len(extra)}"), *extra],
                                cwd=repo_root, capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 2 and text in result.stderr, result.stderr[-1000:]
        assert "Traceback" not in result.stderr
