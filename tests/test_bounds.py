"""Lower and upper bounds on real MNIST: runs, results.json, classify-only SavedModel,
resume after a complete session, pools, growth that keeps old outputs, the finetune default per method."""

import glob
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.config import EvalConfig, GrowthConfig
from introgan_tf.methods import resolve_config
from introgan_tf.testing import check_results, tiny_config

ITERS = 6


def bound_config(shared_data, result_dir, method, **overrides):
    # Generation metrics are asked for, with statistics that do not exist: a classifier-only method
    # must neither check nor compute them.
    return tiny_config(result_dir, method=method, data_dir=str(shared_data / "mnist"), iters=ITERS).replace(
        eval=EvalConfig(skip_fid=False, fid_samples_per_class=10, precalc_fid_dir=str(result_dir / "no_stats")),
        **overrides)


@pytest.fixture(scope="module")
def mnist(shared_data):
    """Real MNIST, read once for the module (each run would read the same files again; data_dir stays in the
    configs, so results.json records the same settings and provenance)."""
    from introgan_tf.data.datasets import load_dataset
    return load_dataset("mnist", str(shared_data / "mnist"), "idx", None, False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared_data, mnist):
    """lower_bound: 2 sessions in one go; upper_bound: 1 session, then --resume with 2."""
    root = shared_data
    out = {}
    lower = tmp_path_factory.mktemp("lower_bound")
    out["lower_bound"] = (lower, experiment.run(bound_config(root, lower, "lower_bound"), data=mnist))
    upper = tmp_path_factory.mktemp("upper_bound")
    experiment.run(bound_config(root, upper, "upper_bound", num_sessions=1), data=mnist)
    out["upper_bound"] = (upper, experiment.run(bound_config(root, upper, "upper_bound", resume=True), data=mnist))
    return out


@pytest.mark.parametrize("method", ["lower_bound", "upper_bound"])
def test_results_without_generation(runs, method):
    result_dir, data = runs[method]
    check_results(data, method, iters=ITERS, test_interval=3)
    assert json.load(open(result_dir / "results.json")) == json.loads(json.dumps(data))
    assert data["end_of_session_accuracy"] == [s["accuracy"] for s in data["sessions"]]
    assert data["sessions"][0]["accuracy"] > 0.9  # 0 vs 1 after 6 tiny steps
    for session in data["sessions"]:
        assert not {"fid", "fid_mean", "generated_accuracy", "generated_accuracy_mean"} & set(session)
    assert "ta_fid" not in data and not os.path.exists(result_dir / "samples")
    for s in (1, 2):
        assert glob.glob(str(result_dir / "checkpoints" / f"session_{s}" / "ckpt-*.index"))
    if method == "lower_bound":
        assert set(data["sessions"][1]["most_confused"]) == {"2", "3"}
        assert set(data["sessions"][1]["most_confused"].values()) <= {0, 1}


def test_tensorboard_has_losses_and_no_samples(runs):
    import tensorflow as tf
    tags = set()
    for path in glob.glob(str(runs["lower_bound"][0] / "tensorboard" / "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags.update(v.tag for v in event.summary.value)
    assert {"loss/c_loss", "loss/train_acc", "accuracy/all_seen", "accuracy/prefix_2", "ta_acc"} <= tags
    assert not [t for t in tags if t.startswith(("samples/", "fid/", "generated_accuracy/"))]


def test_saved_models_classify_without_our_package(runs):
    paths = [str(runs[m][0] / "saved_model") for m in ("lower_bound", "upper_bound")]
    script = textwrap.dedent(f"""
        import sys
        sys.modules["introgan_tf"] = None  # any import of our package would now fail
        import numpy as np, tensorflow as tf
        for path in {paths!r}:
            model = tf.saved_model.load(path)
            assert set(model.signatures) == {{"classify"}}, set(model.signatures)
            out = model.signatures["classify"](images=tf.random.uniform([5, 28, 28, 1], -1, 1))
            assert out["logits"].shape == (5, 4) and set(out["labels"].numpy().tolist()) <= {{0, 1, 2, 3}}
            assert (out["labels"].numpy() == np.argmax(out["logits"].numpy(), 1)).all()  # order 1 is the identity
        print("OK")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr[-2000:]


@pytest.fixture(scope="module")
def mnist_scenario(mnist):
    from introgan_tf.data.class_orders import get_class_order
    from introgan_tf.data.scenario import ClassIncrementalScenario
    data = mnist
    scenario = ClassIncrementalScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                                        y_test=data.y_test, class_order=get_class_order(1, 10), nb_cl=2)
    return data.info, scenario


@pytest.mark.parametrize("method, finetune, expected", [("lower_bound", True, {2, 3}),
                                                         ("upper_bound", False, {0, 1, 2, 3})])
def test_pools_and_growth(mnist_scenario, shared_data, tmp_path, method, finetune, expected):
    from introgan_tf.data.pipeline import to_unit_range
    from introgan_tf.methods import get_method
    info, scenario = mnist_scenario
    config = resolve_config(bound_config(shared_data, tmp_path, method).replace(
        growth=GrowthConfig(finetune=finetune)))
    bound = get_method(method)(config, info, scenario)
    first, second = scenario.sessions[:2]
    bound.begin_session(first)
    assert set(np.unique(bound.pool[1]).tolist()) == {0, 1}
    bound.end_session(first)
    bound.begin_session(second)
    labels = bound.pool[1]
    assert set(np.unique(labels).tolist()) == expected
    assert len(labels) == np.isin(scenario.y_train, sorted(expected)).sum()  # every real image, nothing else
    images = to_unit_range(scenario.x_test[:64]).numpy()
    old, new = np.asarray(bound.classifier(images)), np.asarray(bound.model.classifier(images))
    assert new.shape == (64, 4)
    if finetune:  # grown: the old classes' outputs are unchanged
        np.testing.assert_allclose(new[:, :2], old, rtol=1e-5, atol=1e-5)
    else:  # from scratch
        assert not np.allclose(new[:, :2], old, atol=1e-3)


def test_head_growth_copies_columns():
    from introgan_tf.methods.bounds.networks import CNNClassifier
    from introgan_tf.methods.common.growth import grow_class_head, most_confused_by_logits
    old = CNNClassifier(2)
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    exact = grow_class_head(old, 4, {2: 1, 3: 0}, None, add_noise=False)
    logits, grown = np.asarray(old(images)), np.asarray(exact(images))
    np.testing.assert_allclose(grown, logits[:, [0, 1, 1, 0]], rtol=1e-5, atol=1e-5)
    noisy = grow_class_head(old, 4, {2: 1, 3: 0}, np.random.default_rng(1), noise_level=0.5)
    kernel, bias = noisy.class_output.get_weights()
    old_kernel, old_bias = old.class_output.get_weights()
    np.testing.assert_array_equal(kernel[:, :2], old_kernel)
    assert bias[2] == old_bias[1] and bias[3] == old_bias[0]  # a scalar has spread 0: copied exactly
    assert not np.allclose(kernel[:, 2], old_kernel[:, 1])
    spread = np.std(old_kernel[:, 1])
    assert abs(np.std(kernel[:, 2] - old_kernel[:, 1]) - 0.5 * spread) < 0.1 * spread  # v2: rho * std(column)
    assert most_confused_by_logits(np.array([[0.0, 1.0], [1.0, 0.0]])) == 0  # tie -> smallest index
    assert most_confused_by_logits(np.array([[0.0, 1.0], [0.0, 2.0], [1.0, 0.0]])) == 1


def test_finetune_default_per_method(cli_config):
    build = cli_config
    assert build(method="upper_bound").growth.finetune is False
    assert build(method="lower_bound").growth.finetune is True
    assert build(method="introgan").growth.finetune is True
    assert build(method="upper_bound", finetune=True).growth.finetune is True
