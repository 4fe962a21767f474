"""DGR, reference protocol: runs on real MNIST, losses by hand, replay labels, class sampling."""

import dataclasses
import glob
import json
import math
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from introgan_tf import experiment
from introgan_tf.config import DGRConfig, EvalConfig, ExperimentConfig, TrainConfig
from introgan_tf.evaluation.accuracy import session_prefix_accuracies
from introgan_tf.methods import resolve_config
from introgan_tf.methods.dgr import class_sampling
from introgan_tf.methods.dgr import method as dgr_method
from introgan_tf.methods.dgr.model import DGRModel, FrozenScholar
from introgan_tf.methods.dgr.networks import DGRCritic, DGRGenerator, DGRSolver

GEN, SOLVER, BATCH, CRITIC = 2, 2, 8, 2
MODES = ("none", "exact-replay", "generative-replay")
TRAIN_SIZE, TEST_SIZE = 4000, 100  # a slice of MNIST keeps the evaluations of these tiny runs short


def dgr_config(result_dir, replay_mode, experiment_name="class-incremental", **overrides):
    return ExperimentConfig(
        dataset="mnist", method="dgr", result_dir=str(result_dir), num_sessions=2, experiment=experiment_name,
        mnist_permutation_number=3,
        train=TrainConfig(iters=GEN + SOLVER, batch_size=BATCH, test_interval=GEN + SOLVER, save_interval=GEN,
                          sample_interval=100, critic_iters=CRITIC),
        dgr=DGRConfig(replay_mode=replay_mode, generator_iterations=GEN, solver_iterations=SOLVER),
        eval=EvalConfig(skip_fid=True, fid_samples_per_class=20), **overrides)


@pytest.fixture(scope="module")
def small_mnist(shared_data):
    """The first TRAIN_SIZE / TEST_SIZE images of real MNIST."""
    data = experiment.load_dataset("mnist", str(shared_data / "mnist"))
    return dataclasses.replace(data, x_train=data.x_train[:TRAIN_SIZE], y_train=data.y_train[:TRAIN_SIZE],
                               x_test=data.x_test[:TEST_SIZE], y_test=data.y_test[:TEST_SIZE])


@pytest.fixture(scope="module")
def runs(small_mnist, tmp_path_factory):
    """(result_dir, results) per replay mode (class-incremental) and for permuted MNIST, run on first use."""
    cache = {}
    patch = pytest.MonkeyPatch()
    # The 6M-parameter solver labels every candidate: keep the samplers' search short in these tiny runs.
    patch.setattr(class_sampling, "CANDIDATES_PER_SAMPLE", 2)

    def get(replay_mode, experiment_name="class-incremental"):
        key = (replay_mode, experiment_name)
        if key not in cache:
            result_dir = tmp_path_factory.mktemp(f"dgr_{replay_mode}_{experiment_name}")
            cache[key] = result_dir, experiment.run(dgr_config(result_dir, replay_mode, experiment_name),
                                                    data=small_mnist)
        return cache[key]

    yield get
    patch.undo()


def strict_json(path):
    """Parses like a strict JSON reader: NaN / Infinity are refused."""
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    with open(path) as handle:
        return json.load(handle, parse_constant=refuse)


def count_in(pool_labels, classes):
    return int(np.isin(pool_labels, classes).sum())


@pytest.mark.parametrize("replay_mode", MODES)
def test_class_incremental_run(runs, small_mnist, replay_mode):
    result_dir, data = runs(replay_mode)
    on_disk = read_results(result_dir)
    assert on_disk["complete"] is True and on_disk["method"] == "dgr"
    assert on_disk["config"]["train"]["iters"] == GEN + SOLVER
    y = small_mnist.y_train
    sessions = data["sessions"]
    assert [s["new_classes"] for s in sessions] == [[0, 1], [2, 3]]
    for s, session in enumerate(sessions, start=1):
        assert [e["iteration"] for e in session["evaluations"]] == [GEN + SOLVER]
        assert len(session["evaluations"][-1]["prefix_accuracies"]) == s
        assert 0.0 <= session["accuracy"] <= 1.0
        assert session["replay_mode"] == replay_mode
        assert session["pool_size"] == count_in(y, [2 * s - 2, 2 * s - 1])
        assert os.path.isfile(result_dir / "samples" / f"session_{s}.png")
        assert glob.glob(str(result_dir / "checkpoints" / f"session_{s}" / "ckpt-*.index"))
        # The generator is trained in every mode; the generated-sample metrics are there (NaN = not generated).
        assert set(session["generated_accuracy"]) == {str(c) for c in range(2 * s)}
    assert sessions[0]["replay"] == "none"
    assert sessions[1]["replay"] == {"none": "none", "exact-replay": "exact",
                                     "generative-replay": "generative"}[replay_mode]
    assert sessions[1]["replay_pool_size"] == (count_in(y, [0, 1]) if replay_mode == "exact-replay" else 0)
    # One set of optimisers for the whole run: their step counts continue across tasks.
    per_task = {"g": GEN - 1, "d": GEN * CRITIC, "s": SOLVER}
    assert sessions[0]["optimizer_steps"] == per_task
    assert sessions[1]["optimizer_steps"] == {k: 2 * v for k, v in per_task.items()}
    assert os.path.isfile(result_dir / "saved_model" / "saved_model.pb")


def read_results(result_dir):
    with open(result_dir / "results.json") as handle:
        return json.load(handle)


def test_restored_scholar_reproduces_the_recorded_accuracy(runs, small_mnist):
    """A complete checkpoint holds the whole scholar (BN statistics included): --test/--resume see the same model."""
    from introgan_tf.checkpointing import SessionCheckpointer
    from introgan_tf.data.pipeline import to_unit_range
    result_dir, data = runs("generative-replay")
    config = ExperimentConfig.from_dict(data["config"])
    scenario = experiment.make_scenario(config, small_mnist)
    method = dgr_method.DGR(config, small_mnist.info, scenario)
    session = scenario.sessions[1]
    method.build_session_model(session)
    SessionCheckpointer(str(result_dir / "checkpoints")).restore(method, SessionCheckpointer(
        str(result_dir / "checkpoints")).info(2))
    method.end_session(session)
    images, labels = scenario.test_data(session)
    prefixes = session_prefix_accuracies(scenario, method.classify(to_unit_range(images).numpy()), labels, session)
    assert prefixes == data["sessions"][1]["evaluations"][-1]["prefix_accuracies"]


def test_every_scholar_weight_is_checkpointed(tmp_path):
    """Keras 3 does not checkpoint layers held in a list; the scholar networks hold theirs as attributes."""
    networks = {"g": DGRGenerator(), "c": DGRCritic(), "s": DGRSolver(10)}
    path = tf.train.Checkpoint(**networks).save(str(tmp_path / "ckpt"))
    saved = {name for name, _ in tf.train.list_variables(path) if name.endswith("VARIABLE_VALUE")}
    assert len(saved) - 1 == sum(len(network.weights) for network in networks.values())  # - save_counter


def test_saved_model_is_unconditional(runs):
    """generate(z) -> images and the solver's labels (original ids); classify over the seen classes."""
    result_dir, _ = runs("generative-replay")
    script = textwrap.dedent(f"""
        import sys
        sys.modules["introgan_tf"] = None
        import tensorflow as tf
        model = tf.saved_model.load({str(result_dir / "saved_model")!r})
        out = model.signatures["generate"](z=tf.random.normal([5, 100]))
        assert out["images"].shape == (5, 28, 28, 1) and set(out["labels"].numpy().tolist()) <= {{0, 1, 2, 3}}
        assert float(tf.reduce_min(out["images"])) >= -1.0 and float(tf.reduce_max(out["images"])) <= 1.0
        classified = model.signatures["classify"](images=out["images"])
        assert classified["logits"].shape == (5, 4)
        assert classified["labels"].numpy().tolist() == out["labels"].numpy().tolist()
        print("OK")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr[-2000:]


def test_permutated_mnist_run(runs):
    result_dir, data = runs("generative-replay", "permutated-mnist")
    strict_json(result_dir / "results.json")  # no generation metrics, so nothing NaN
    sessions = data["sessions"]
    assert len(sessions) == 2 and data["complete"] is True
    for s, session in enumerate(sessions, start=1):
        assert session["new_classes"] == list(range(10)) and session["seen_classes"] == list(range(10))
        assert session["permutation_seed"] == 0 and session["permutation_index"] == s - 1
        assert len(session["evaluations"][-1]["prefix_accuracies"]) == s
        assert session["pool_size"] == TRAIN_SIZE and "fid" not in session and "generated_accuracy" not in session
    assert sessions[1]["replay"] == "generative"
    assert os.path.isfile(result_dir / "saved_model" / "saved_model.pb")


# ------------------------------------------------------------------------------------------------ the math
class LinearCritic(keras.Model):
    """D(x) = sum(w * x) per sample: its input gradient is w for every sample."""

    def __init__(self, weights):
        super().__init__()
        self.w = tf.constant(weights)

    def call(self, images, training=False):
        return tf.reduce_sum(images * self.w, axis=[1, 2, 3])[:, None]


class QuadraticCritic(keras.Model):
    """D(x) = 1/2 ||x||^2 per sample: its input gradient at x is x."""

    def call(self, images, training=False):
        return 0.5 * tf.reduce_sum(tf.square(images), axis=[1, 2, 3])[:, None]


def stub_model(critic=None, solver=None, previous=None, replay=None, r=0.3, weight_decay=0.0):
    return DGRModel(DGRGenerator(), critic or QuadraticCritic(), solver, DGRConfig(
        importance_of_new_task=r, weight_decay=weight_decay), TrainConfig(batch_size=4, critic_iters=1, lambda_gp=10.0),
        num_seen=2, replay=replay, previous=previous)


def test_critic_has_no_cross_sample_mixing():
    critic = DGRCritic()
    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 1, (5, 32, 32, 1)).astype(np.float32)
    other = batch.copy()
    other[1:] = rng.uniform(0, 1, (4, 32, 32, 1))
    assert critic(batch).shape == (5, 1) and critic.fc.kernel.shape == (3 * 3 * 512, 1)
    np.testing.assert_allclose(np.asarray(critic(other))[0], np.asarray(critic(batch))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(critic(batch[:1]))[0], np.asarray(critic(batch))[0], rtol=1e-5, atol=1e-6)


def test_gradient_penalty_is_per_sample_over_all_pixels():
    model = stub_model()
    rng = np.random.default_rng(1)
    real = rng.uniform(0, 0.1, (3, 32, 32, 1)).astype(np.float32)
    # real == fakes: every interpolate is x_b, where the quadratic critic's gradient is x_b itself.
    penalty = float(model.gradient_penalty(real, real))
    norms = np.sqrt((real.astype(np.float64) ** 2).reshape(3, -1).sum(axis=1))
    assert penalty == pytest.approx(np.mean((norms - 1.0) ** 2), rel=1e-4)
    batch_norm = np.sqrt((real.astype(np.float64) ** 2).sum())  # the norm over the whole batch is another number
    assert abs(penalty - (batch_norm - 1.0) ** 2) > 1e-3


def test_critic_loss_weights_new_and_replay_terms():
    w = np.random.default_rng(2).normal(0, 0.01, (1, 32, 32, 1)).astype(np.float32)
    model = stub_model(critic=LinearCritic(w), r=0.3)
    rng = np.random.default_rng(3)
    real, fakes, replay = (rng.uniform(0, 1, (4, 32, 32, 1)).astype(np.float32) for _ in range(3))
    score = lambda x: (x * w).sum(axis=(1, 2, 3)).astype(np.float64)  # noqa: E731
    penalty = (np.sqrt((w.astype(np.float64) ** 2).sum()) - 1.0) ** 2  # gradient w everywhere
    new_term = score(fakes).mean() - score(real).mean() + 10.0 * penalty
    replay_term = score(fakes).mean() - score(replay).mean() + 10.0 * penalty
    loss, w_distance = model.critic_loss(real, fakes, replay)
    assert float(loss) == pytest.approx(0.3 * new_term + 0.7 * replay_term, rel=1e-4)
    assert float(w_distance) == pytest.approx(score(real).mean() - score(fakes).mean(), rel=1e-4, abs=1e-6)
    alone, _ = model.critic_loss(real, fakes)
    assert float(alone) == pytest.approx(new_term, rel=1e-4)


def test_solver_loss_weights_new_and_replay_cross_entropy():
    model = stub_model(r=0.3)
    rng = np.random.default_rng(4)
    logits, replay_logits = rng.normal(size=(2, 6, 10)).astype(np.float32)
    labels, replay_labels = np.array([0, 1, 2, 3, 4, 5]), np.array([9, 8, 7, 6, 5, 4])

    def cross_entropy(values, targets):
        values = values.astype(np.float64)
        log_softmax = values - np.log(np.exp(values).sum(axis=1, keepdims=True))
        return -log_softmax[np.arange(len(targets)), targets].mean()

    expected = 0.3 * cross_entropy(logits, labels) + 0.7 * cross_entropy(replay_logits, replay_labels)
    assert float(model.solver_loss(logits, labels, replay_logits, replay_labels)) == pytest.approx(expected, rel=1e-5)
    assert float(model.solver_loss(logits, labels)) == pytest.approx(cross_entropy(logits, labels), rel=1e-5)


class FixedSolver(keras.Model):
    """Logits that favour class 1 among the first two, and class 9 (not seen before) above all."""

    def call(self, images, training=False):
        row = tf.constant([[0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0]])
        return tf.tile(row, [tf.shape(images)[0], 1])


def test_generative_replay_labels_come_from_the_previous_solver():
    previous_generator = DGRGenerator()
    model = stub_model(solver=DGRSolver(10), previous=FrozenScholar(previous_generator, FixedSolver(), 2),
                       replay="generative")
    images, labels = model.generative_replay(6)
    assert labels.numpy().tolist() == [1] * 6  # argmax over the 2 previously seen classes, not over all 10
    # The images are the previous generator's (inference mode: each depends on its own z only).
    assert images.shape == (6, 32, 32, 1) and float(tf.reduce_min(images)) >= 0.0


def test_weight_decay_is_added_to_the_gradient_as_pytorch_adam():
    """A zero loss: L2 in the gradient moves w by lr (Adam's first step); AdamW would move it by lr*wd*w = 5e-6."""
    model = stub_model(weight_decay=1e-2)
    variable = tf.Variable([0.5, -0.25])
    optimizer = keras.optimizers.Adam(1e-3, 0.5, 0.9, 1e-8)
    optimizer.build([variable])
    with tf.GradientTape() as tape:
        loss = 0.0 * tf.reduce_sum(variable)
    model.apply_gradients(optimizer, tape, loss, [variable])
    np.testing.assert_allclose(variable.numpy(), [0.5 - 1e-3, -0.25 + 1e-3], rtol=0, atol=1e-6)


# ------------------------------------------------------------------------------------------------ sampling
class BrightnessExtractor:
    """2x2-pooled pixels as features; classify everything as original label 0."""

    id = "fake-v1"
    weights_sha256 = "f" * 64

    def features(self, images):
        n = len(images)
        return images.reshape(n, 2, 14, 2, 14).mean(axis=(2, 4)).reshape(n, 4)

    def classify(self, images):
        logits = np.zeros((len(images), 10))
        logits[:, 0] = 1.0
        return logits


def test_a_class_the_solver_never_predicts_gets_nan_fid_not_a_substitute(tmp_path, small_mnist, monkeypatch):
    from introgan_tf.data.scenario import ClassIncrementalScenario
    from introgan_tf.evaluation import continual_metrics, fid
    from introgan_tf.evaluation.generation_metrics import ClassNotGenerated, evaluate_generation
    monkeypatch.setattr(class_sampling, "CANDIDATES_PER_SAMPLE", 5)  # the 6M-parameter solver is slow on CPU
    data = small_mnist
    scenario = ClassIncrementalScenario(x_train=data.x_train[:100], y_train=data.y_train[:100],
                                        x_test=data.x_test[:50], y_test=data.y_test[:50],
                                        class_order=list(range(10)), nb_cl=2)
    config = resolve_config(dgr_config(tmp_path, "none"))
    method = dgr_method.DGR(config, data.info, scenario)
    session = scenario.sessions[0]
    method.build_session_model(session)
    bias = np.zeros(10, np.float32)
    bias[0] = 1e4  # the solver predicts class 0 for every image: class 1 is never generated
    method.model.solver.fc.bias.assign(bias)
    method.end_session(session)
    with pytest.raises(ClassNotGenerated):
        method.sample(np.ones(3, np.int32))
    assert method.sample(np.zeros(3, np.int32)).shape == (3, 28, 28, 1)
    # The fixed-noise grid leaves class 1's cells blank instead of showing class 0 there.
    grid = method.sample(np.array([0, 0, 1, 1], np.int32), np.ones((4, method.z_dim), np.float32))
    assert (grid[2:] == -1.0).all() and not (grid[:2] == -1.0).all()

    extractor = BrightnessExtractor()
    directory = tmp_path / "mnist" / "domain"
    for label in (0, 1):
        features = extractor.features(np.random.default_rng(label).uniform(-1, 1, (50, 28, 28, 1)))
        fid.save_stats(str(directory / fid.stats_filename(label)), *fid.statistics_from_activations(features))
    result = evaluate_generation(method.sample, [0, 1], [0, 1], "mnist",
                                 EvalConfig(skip_fid=False, fid_samples_per_class=8, precalc_fid_dir=str(tmp_path)),
                                 batch_size=4, feature_extractor=extractor, evaluator=extractor)
    assert math.isfinite(result["fid"]["0"]) and math.isnan(result["fid"]["1"])
    assert math.isnan(result["fid_mean"]) and math.isnan(result["generated_accuracy"]["1"])
    assert result["generated_accuracy"]["0"] == 1.0 and math.isnan(result["generated_accuracy_mean"])
    assert result["classes_not_generated"] == [1] and result["generated_samples_per_class"] == {"0": 8, "1": 0}
    sessions = [{"index": 1, "seen_classes": [0, 1], "fid": result["fid"]}]
    assert math.isnan(continual_metrics.ta_fid_from_sessions(sessions, 2))


def test_flags_reach_the_config(cli_config):
    config = cli_config(method="dgr", replay_mode="exact-replay", experiment="permutated-mnist")
    assert config.train.iters == 4000 and config.train.batch_size == 32 and config.train.mode == "wgan-gp"
    assert config.dgr.generator_iterations == 3000 and config.dgr.solver_iterations == 1000
    assert config.dgr.replay_mode == "exact-replay" and config.dgr.weight_decay == 1e-5
    assert config.experiment == "permutated-mnist" and config.mnist_permutation_number == 5
