"""DGR-ig (the IntroGAN benchmark's DGR): weighted pool of solver-labelled replay, the two phases, growth of the
solver's head, evaluation in the solver phase, the flag defaults."""

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.config import DGRConfig, ReplayConfig
from introgan_tf.methods import get_method, resolve_config
from introgan_tf.testing import tiny_config, without_export


@pytest.fixture
def method(synthetic_mnist, tmp_path):
    config = resolve_config(tiny_config(tmp_path, method="dgr_ig", iters=4, test_interval=1).replace(
        replay=ReplayConfig(replay_per_class=7), dgr=DGRConfig(dgr_ratio=0.25)))
    scenario = experiment.make_scenario(config, synthetic_mnist)
    return get_method("dgr_ig")(config, synthetic_mnist.info, scenario), scenario


def test_pool_replay_weights_and_solver_growth(method):
    dgr_ig, scenario = method
    first, second = scenario.sessions[:2]
    dgr_ig.begin_session(first)
    assert dgr_ig.model.num_old == 0
    for _ in range(4):  # 2 GAN + 2 solver iterations
        dgr_ig.model.train_step(next(iter(dgr_ig.train_dataset(first, 0))))
    assert int(dgr_ig.model.g_optimizer.iterations.numpy()) == 1  # no G step at iteration 0
    assert int(dgr_ig.model.s_optimizer.iterations.numpy()) == 2
    dgr_ig.end_session(first)
    images = np.random.default_rng(0).uniform(-1, 1, (6, 28, 28, 1)).astype(np.float32)
    old_logits = np.asarray(dgr_ig.solver(images))
    dgr_ig.begin_session(second)
    labels = dgr_ig.pool[1]
    replay = labels < 2
    assert replay.sum() == 2 * 7 == dgr_ig.summary()["replay_size"]  # C_old x --replay_per_class
    assert set(np.unique(labels[~replay]).tolist()) == {2, 3}
    # The solver grew by copy: the old classes' logits are unchanged, the new head has 4 outputs.
    new_logits = np.asarray(dgr_ig.model.solver(images))
    assert new_logits.shape == (6, 4)
    np.testing.assert_allclose(new_logits[:, :2], old_logits, rtol=1e-5, atol=1e-5)
    assert set(dgr_ig.summary()["most_confused"]) == {"2", "3"}
    weights = np.asarray(dgr_ig.model.sample_weights(np.array([0, 1, 2, 3], np.int32)))
    np.testing.assert_allclose(weights, [0.75, 0.75, 0.25, 0.25])


def test_accuracy_only_in_the_solver_phase(method):
    dgr_ig, _ = method  # 2 GAN + 2 solver iterations
    assert [it for it in range(1, 5) if dgr_ig.evaluates_at(it)] == [3, 4]


def test_run_records_solver_phase_evaluations(synthetic_mnist, tmp_path):
    with without_export():  # only the results are read
        data = experiment.run(tiny_config(tmp_path, method="dgr_ig", iters=4, test_interval=1), data=synthetic_mnist)
    for session in data["sessions"]:
        assert [e["iteration"] for e in session["evaluations"]] == [3, 4]
    assert data["sessions"][1]["replay_size"] == 2 * 30


def test_defaults_of_the_original(cli_config):
    config = cli_config(method="dgr_ig")
    assert (config.dgr.generator_iterations, config.dgr.solver_iterations, config.train.iters) == (10000, 10000, 20000)
    assert (config.train.batch_size, config.train.mode, config.dgr.dgr_ratio, config.dgr.solver_adam_lr) == (
        100, "dcgan", 0.5, 2e-4)
    assert cli_config(method="dgr_ig", iters=600).dgr.generator_iterations == 300
    assert cli_config(method="dgr_ig", adam_lr=1e-3).dgr.solver_adam_lr == 1e-3
    from introgan_tf.errors import InputError
    with pytest.raises(InputError, match="--dgr_ratio=2.0"):
        cli_config(method="dgr_ig", dgr_ratio=2.0)
