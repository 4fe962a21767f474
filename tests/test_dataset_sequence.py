"""DGR's MNIST -> SVHN and SVHN -> MNIST (data/dataset_sequence.py): both datasets found by their own search
order, MNIST rendered 32x32x3, SVHN's digit labels, equal-weight task prefixes, the reference's defaults, and a
2-task run end to end writing results.json and the SavedModel."""

import json
import os

import numpy as np
import pytest

from introgan_tf import experiment, testing
from introgan_tf.config import DataConfig, DGRConfig, ExperimentConfig
from introgan_tf.data.dataset_sequence import DatasetSequenceScenario
from introgan_tf.errors import InputError
from introgan_tf.methods import resolve_config


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    root = tmp_path_factory.mktemp("seq")
    grey = testing.synthetic_dataset("mnist", train_per_class=6, test_per_class=3)
    testing.write_idx_files(str(root / "mnist"), grey)
    colour = testing.synthetic_dataset("mnist", train_per_class=5, test_per_class=4, image_shape=(32, 32, 3), seed=1)
    testing.write_svhn_mat(str(root / "svhn" / "train_32x32.mat"), colour.x_train, testing.svhn_values(colour.y_train))
    testing.write_svhn_mat(str(root / "svhn" / "test_32x32.mat"), colour.x_test, testing.svhn_values(colour.y_test))
    return root, grey, colour


def test_defaults_and_rules():
    config = resolve_config(ExperimentConfig(method="dgr", experiment="svhn-mnist", dataset="fashion-mnist"))
    assert config.dataset == "svhn" and config.data.svhn_labels == "digit"
    assert (config.dgr.generator_iterations, config.dgr.solver_iterations, config.train.adam_lr) == (20000, 4000, 3e-5)
    with pytest.raises(InputError, match="--experiment=mnist-svhn"):
        resolve_config(ExperimentConfig(method="introgan", experiment="mnist-svhn"))
    with pytest.raises(InputError, match="--num_sessions=3"):
        resolve_config(ExperimentConfig(method="dgr", experiment="mnist-svhn", num_sessions=3))


def test_scenario_tasks_and_prefixes(roots):
    _, grey, colour = roots
    from introgan_tf.data.datasets import MNIST_RGB32, SVHN
    from introgan_tf.data.dataset_info import DatasetSplits
    from introgan_tf.data.rgb32 import render_rgb32
    first = DatasetSplits(MNIST_RGB32, render_rgb32(grey.x_train), grey.y_train, render_rgb32(grey.x_test),
                          grey.y_test, "a")
    second = DatasetSplits(SVHN, colour.x_train, colour.y_train, colour.x_test, colour.y_test, "b")
    scenario = DatasetSequenceScenario(name="mnist-svhn", tasks=(first, second))
    assert [s.dataset for s in scenario.sessions] == ["mnist-rgb32", "svhn"]
    assert scenario.sessions[1].new_classes == tuple(range(10)) and scenario.test_per_task == 30
    x, y = scenario.test_data(scenario.sessions[1])
    assert len(x) == 60 and np.array_equal(x[30:], colour.x_test[:30]) and np.array_equal(y[30:], colour.y_test[:30])
    assert np.array_equal(scenario.train_data(scenario.sessions[1])[0], colour.x_train)


def test_mnist_svhn_end_to_end(roots, tmp_path, monkeypatch):
    root, _, _ = roots
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTROGAN_DATA_DIR", str(root))  # both found by the search order: mnist/ and svhn/
    config = testing.tiny_config(str(tmp_path / "run"), method="dgr", iters=4).replace(
        experiment="mnist-svhn", nb_cl=None, dgr=DGRConfig(generator_iterations=2, solver_iterations=2))
    experiment.run(config)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["dataset"] == "mnist-rgb32" and results["complete"]
    assert [s["dataset"] for s in results["sessions"]] == ["mnist-rgb32", "svhn"]
    assert len(results["sessions"][1]["evaluations"][-1]["prefix_accuracies"]) == 2
    assert os.path.isdir(tmp_path / "run" / "saved_model")
    second = tmp_path / "elsewhere"
    os.rename(root / "svhn", second)
    try:
        with pytest.raises(InputError, match="svhn"):
            experiment.run(config.replace(result_dir=str(tmp_path / "run2")))
        named = resolve_config(config.replace(data=DataConfig(second_data_dir=str(second))))
        scenario = experiment.make_scenario(named, experiment.load_data(named))
        assert scenario.tasks[1].source.startswith(str(second))
    finally:
        os.rename(second, root / "svhn")
