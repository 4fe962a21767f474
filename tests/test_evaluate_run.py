"""--test mode: a finished run is re-evaluated from its checkpoints, without training and without touching it."""

import hashlib
import json
import os
import subprocess
import sys

import pytest

from introgan_tf import evaluate_run, experiment
from introgan_tf.config import EvalConfig
from introgan_tf.errors import InputError
from introgan_tf.testing import tiny_config


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module")
def finished_runs(tmp_path_factory, shared_data):
    runs = {}
    for method in ("introgan", "lower_bound"):
        result_dir = tmp_path_factory.mktemp(method)
        runs[method] = result_dir, experiment.run(tiny_config(result_dir, method=method, iters=3,
                                                              data_dir=str(shared_data / "mnist")))
    return runs


@pytest.mark.parametrize("method", ["introgan", "lower_bound"])
def test_reproduces_end_of_session_accuracy_without_writing_the_run(finished_runs, method):
    result_dir, trained = finished_runs[method]
    before = {name: digest(result_dir / name) for name in ("results.json", "saved_model/saved_model.pb")}
    record = evaluate_run.run_test(str(result_dir), EvalConfig(skip_fid=True, fid_samples_per_class=40))
    assert record["complete_sessions"] == 2 and record["method"] == method
    for tested, original in zip(record["sessions"], trained["sessions"]):
        assert tested["index"] == original["index"]
        assert tested["accuracy"] == pytest.approx(original["accuracy"], abs=1e-6)
        assert tested["evaluations"][0]["prefix_accuracies"] == pytest.approx(
            original["evaluations"][-1]["prefix_accuracies"], abs=1e-6)
    assert json.load(open(result_dir / "test" / "results.json"))["sessions"][1]["accuracy"] == record["sessions"][1][
        "accuracy"]
    assert {name: digest(result_dir / name) for name in before} == before  # the run itself is only read
    if method == "introgan":
        assert record["eval_config"]["fid_samples_per_class"] == 40  # the command's evaluation settings
        assert 0.0 <= record["sessions"][1]["generated_accuracy_mean"] <= 1.0
        assert os.path.isfile(result_dir / "test" / "samples" / "session_2.png")
        assert os.path.isfile(result_dir / "samples" / "fixed_noise.npy")  # the grid noise saved with the run
    else:
        assert "generated_accuracy_mean" not in record["sessions"][1]
        assert not os.path.exists(result_dir / "test" / "samples" / "session_1.png")


def test_missing_or_unfinished_run_is_a_one_line_error(tmp_path):
    with pytest.raises(InputError, match="results.json not found"):
        evaluate_run.run_test(str(tmp_path))
    (tmp_path / "results.json").write_text(json.dumps({"sessions": [], "config": {"dataset": "mnist"}}))
    with pytest.raises(InputError, match="no complete session"):
        evaluate_run.run_test(str(tmp_path), EvalConfig(skip_fid=True))


def test_cli_test_mode_on_an_empty_directory(tmp_path, repo_root):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "main.py", "--test", "--result_dir", str(tmp_path)], cwd=repo_root,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: --test:")
