"""The NaN / Inf guard (--nan_policy, docs/faults.md) for every method, on synthetic data.

The weights of the session model are poisoned with NaN just before ``fit``: every method's losses are then NaN
from its first step, whatever its train_step computes.
"""

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from introgan_tf import experiment, testing
from introgan_tf.callbacks import SessionMonitor
from introgan_tf.checkpointing import read_checkpoint
from introgan_tf.config import GANMemoryConfig, TrainConfig
from introgan_tf.data.pipeline import quantize_to_uint8
from introgan_tf.errors import NonFiniteError
from introgan_tf.methods import METHODS


def poison_session(monkeypatch, session_index):
    """Sets every float weight of the session model to NaN when session ``session_index`` starts training."""
    original = experiment.Experiment.train_session

    def train_session(self, session, start_iteration):
        if session.index == session_index:
            for variable in self.method.model.trainable_variables:
                variable.assign(np.full(variable.shape, np.nan, np.float32))
        return original(self, session, start_iteration)

    monkeypatch.setattr(experiment.Experiment, "train_session", train_session)


def strict_load(path):
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    with open(path) as handle:
        return json.load(handle, parse_constant=refuse)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_non_finite_loss_stops_every_method(method, synthetic_mnist, tmp_path, monkeypatch):
    poison_session(monkeypatch, 1)
    # One critic step for MeRGAN and DGR (they default to 5): the guard reads the losses of the first iteration,
    # however many critic steps it unrolls, and each one costs tracing time.
    config = testing.tiny_config(str(tmp_path), method=method, num_sessions=1, iters=4, save_interval=1,
                                 critic_iters=1 if method in ("mergan", "dgr") else None).replace(
        gan_memory=GANMemoryConfig(width=16, source_checkpoint="random:0" if method == "gan_memory" else None))
    with pytest.raises(NonFiniteError, match=r"session 1 iteration 1: non-finite loss .*--nan_policy stop"):
        experiment.run(config, data=synthetic_mnist)
    stopped = strict_load(tmp_path / "results.json")["stopped"]
    assert stopped["session"] == 1 and stopped["iteration"] == 1 and stopped["losses"]
    assert stopped["last_good_checkpoint"] is None
    assert not (tmp_path / "saved_model").exists() and not list(tmp_path.glob("checkpoints/session_1/ckpt-*"))


def test_stop_keeps_the_last_good_session_and_resume_continues(synthetic_mnist, tmp_path, monkeypatch, capsys):
    poison_session(monkeypatch, 2)
    config = testing.tiny_config(str(tmp_path), method="lower_bound", iters=4, save_interval=2, test_interval=2)
    with pytest.raises(NonFiniteError) as raised:
        experiment.run(config, data=synthetic_mnist)
    good = str(tmp_path / "checkpoints" / "session_1" / "ckpt-9")
    assert f"--resume continues from {good}" in str(raised.value)
    data = strict_load(tmp_path / "results.json")
    assert data["complete"] is False and data["stopped"]["last_good_checkpoint"] == good
    assert data["stopped"]["session"] == 2 and data["stopped"]["iteration"] == 1 and data["stopped"]["losses"]
    assert [e["iteration"] for e in data["sessions"][1]["evaluations"]] == []  # nothing measured on NaN weights
    assert read_checkpoint(good) == (4, True)
    assert not list((tmp_path / "checkpoints").glob("session_2/ckpt-*"))
    monkeypatch.undo()
    finished = experiment.run(config.replace(resume=True), data=synthetic_mnist)
    assert "stopped" not in finished and finished["complete"] is True


def test_nan_policy_ignore_trains_on(synthetic_mnist, tmp_path, monkeypatch):
    poison_session(monkeypatch, 1)
    config = testing.tiny_config(str(tmp_path), method="lower_bound", num_sessions=1, iters=2, test_interval=2,
                                 save_interval=2).replace(nan_policy="ignore")
    data = experiment.run(config, data=synthetic_mnist)
    assert data["complete"] is True and "stopped" not in data


class FakeModel:
    def __init__(self):
        self.stop_training = False
        self.metrics = []


def monitor_with(logs_at, weights_ok=True, nan_policy="stop"):
    calls = []
    monitor = SessionMonitor(0, 10, TrainConfig(test_interval=1, save_interval=2, sample_interval=1, log_every=1),
                             log_losses=lambda it, logs: calls.append(("log", it)),
                             evaluate=lambda it: calls.append(("evaluate", it)),
                             save=lambda: calls.append(("save",)), write_samples=lambda it: None,
                             nan_policy=nan_policy, weights_finite=lambda: weights_ok)
    monitor.set_model(FakeModel())
    for batch, logs in enumerate(logs_at):
        monitor.on_train_batch_end(batch, logs)
        if monitor.model.stop_training:
            break
    return monitor, calls


def test_monitor_stops_at_the_first_non_finite_step_before_anything_else():
    monitor, calls = monitor_with([{"d_loss": 1.0}, {"d_loss": 1.0, "g_loss": float("inf")}, {"d_loss": 1.0}])
    assert monitor.non_finite == {"iteration": 2, "losses": ["g_loss"]} and monitor.model.stop_training
    assert calls == [("log", 1), ("evaluate", 1)]  # iteration 2: no log, evaluation or checkpoint


def test_monitor_refuses_to_checkpoint_non_finite_weights():
    monitor, calls = monitor_with([{"d_loss": 1.0}, {"d_loss": 1.0}], weights_ok=False)
    assert monitor.non_finite == {"iteration": 2, "losses": ["weights"]} and ("save",) not in calls


def test_monitor_ignore_policy_checks_nothing():
    monitor, calls = monitor_with([{"d_loss": float("nan")}, {"d_loss": float("nan")}], weights_ok=False,
                                  nan_policy="ignore")
    assert monitor.non_finite is None and ("save",) in calls


def test_quantizing_nan_images_is_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = quantize_to_uint8(np.array([np.nan, -np.inf, np.inf, 0.0, 1.0], np.float32))
    assert out.tolist() == [0, 0, 255, 127, 255]


def test_nan_on_the_command_line_is_one_line_and_exit_3(tmp_path, repo_root):
    """The case of the issue: --adam_lr 1000 --mode wgan-gp (here on synthetic IDX files)."""
    data_dir = testing.write_idx_files(str(tmp_path / "mnist"), testing.synthetic_dataset("mnist"))
    result = subprocess.run(
        [sys.executable, "main.py", "--dataset", "mnist", "--data_dir", data_dir, "--num_sessions", "1",
         "--nb_cl", "2", "--iters", "20", "--batch_size", "8", "--proto_num", "4", "--skip_fid",
         "--adam_lr", "1000", "--mode", "wgan-gp", "--result_dir", str(tmp_path / "run")],
        cwd=repo_root, capture_output=True, text=True, timeout=300)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert lines[-1].startswith("error: session 1 iteration ") and "non-finite loss" in lines[-1]
    assert "done:" not in result.stdout and not (tmp_path / "run" / "saved_model").exists()
    stopped = strict_load(tmp_path / "run" / "results.json")["stopped"]
    assert 1 <= stopped["iteration"] < 20 and not math.isnan(stopped["iteration"])
