"""Fuzzed flags (property-based, hypothesis): random flag combinations over the registry's methods, datasets and
experiments either run a 1-iteration smoke on synthetic IDX files or end with exit status 2 and one line naming a
flag -- never a traceback.  The example count is bounded and the draw derandomised, so the test is fast and
repeatable."""

import re
import subprocess
import sys

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[test]' (hypothesis) for the flag fuzz")
from hypothesis import HealthCheck, example, given, settings, strategies as st  # noqa: E402

from introgan_tf import testing  # noqa: E402
from introgan_tf.data.datasets import DATASETS  # noqa: E402
from introgan_tf.methods import METHODS  # noqa: E402

# Values around the edges of what is valid; None leaves the flag out.
FLAG_VALUES = {
    "nb_cl": st.sampled_from([None, 0, 2, 3, 5, 10]),
    "order_idx": st.sampled_from([None, 0, 1, 5, 6]),
    "batch_size": st.sampled_from([None, -1, 0, 4]),
    "mode": st.sampled_from([None, "dcgan", "wgan-gp", "lsgan"]),
    "adam_lr": st.sampled_from([None, -0.1, 0.0, 2e-4]),
    "adam_beta1": st.sampled_from([None, 0.5, 1.0]),
    "critic_iters": st.sampled_from([None, 0, 1]),
    "replay_per_class": st.sampled_from([None, 0, 4]),
    "save_interval": st.sampled_from([None, 0, 1]),
    "keep_checkpoints": st.sampled_from([None, 0, 1, 2]),
    "nan_policy": st.sampled_from([None, "stop", "ignore", "sometimes"]),
    "num_sessions": st.sampled_from([None, 0, 1, 11]),
    "mnist_permutation_number": st.sampled_from([None, 0, 1]),
    "dgr_ratio": st.sampled_from([None, 0.5, 1.5]),
    "gen_eval_interval": st.sampled_from([None, -1, 0]),
}


@st.composite
def flag_sets(draw):
    # Weighted towards combinations that can run here (the MNIST-format datasets, the class-incremental scenario).
    runnable = [name for name in sorted(DATASETS) if name.replace("-rgb32", "") in ("mnist", "fashion-mnist")]
    flags = {"method": draw(st.sampled_from(sorted(METHODS))),
             "dataset": draw(st.sampled_from(runnable * 3 + sorted(DATASETS))),
             "experiment": draw(st.sampled_from(["class-incremental"] * 4 + ["permutated-mnist"]))}
    for name in draw(st.lists(st.sampled_from(sorted(FLAG_VALUES)), max_size=4, unique=True)):
        value = draw(FLAG_VALUES[name])
        if value is not None:
            flags[name] = value
    return flags


@pytest.fixture(scope="module")
def idx_dirs(tmp_path_factory):
    """Synthetic MNIST-format files for the datasets read from them (mnist, fashion-mnist and their rgb32
    variants); an empty folder for the others, whose missing files must then be one line naming --data_dir."""
    root = tmp_path_factory.mktemp("idx")
    dirs = {name: testing.write_idx_files(str(root / name), testing.synthetic_dataset(name, train_per_class=8,
                                                                                      test_per_class=4))
            for name in ("mnist", "fashion-mnist")}
    (root / "empty").mkdir()
    return {name: dirs.get(name.replace("-rgb32", ""), str(root / "empty")) for name in DATASETS}


@settings(max_examples=5, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(flags=flag_sets())
@example(flags={"method": "introgan", "dataset": "mnist", "experiment": "class-incremental"})  # a smoke, always
@example(flags={"method": "dgr", "dataset": "mnist", "experiment": "permutated-mnist", "keep_checkpoints": 1})
def test_random_flags_run_or_name_a_flag(flags, idx_dirs, tmp_path_factory, repo_root):
    # The smoke: 1 iteration of 1 session, tiny evaluation (the drawn flags come after and win).
    base = {"iters": 1, "num_sessions": 1, "test_interval": 1, "sample_interval": 1, "skip_fid": True,
            "fid_samples_per_class": 2, "replay_per_class": 4, "proto_num": 2, "batch_size": 4,
            "mnist_permutation_number": 1}
    args = [f"--{k}={v}" if not isinstance(v, bool) else f"--{k}" for k, v in {**base, **flags}.items()]
    result_dir = tmp_path_factory.mktemp("fuzz")
    command = [sys.executable, "main.py", *args, "--data_dir", idx_dirs[flags["dataset"]],
               "--result_dir", str(result_dir / "run")]
    result = subprocess.run(command, cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr, (command, result.stderr[-3000:])
    if result.returncode == 0:
        assert "done:" in result.stdout, (command, result.stdout[-2000:])
        return
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 2 and len(errors) == 1, (command, result.returncode, result.stderr[-3000:])
    assert re.search(r"--[a-zA-Z_]+", errors[0]), (command, errors[0])
