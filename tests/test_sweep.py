"""python -m introgan_tf.sweep: every (order, seed) into its own dir, resumable, shards, mean ± std report."""

import json

import pytest

from introgan_tf import sweep, testing
from introgan_tf.errors import InputError


def fake_results(order, ta_acc, generated):
    sessions = [{"index": s, "new_classes": [2 * s - 2, 2 * s - 1], "accuracy": ta_acc - 0.1 * s,
                 "generated_accuracy_mean": generated,
                 "generated_accuracy": {str(c): generated for c in range(2 * s)}} for s in (1, 2)]
    sessions[1]["generated_accuracy"]["0"] = 0.0  # an old class collapsed after session 2
    return {"method": "introgan", "dataset": "mnist", "order_idx": order, "ta_acc": ta_acc, "sessions": sessions}


def test_summary_mean_std_and_per_class_by_task():
    summary = sweep.summarize([fake_results(1, 0.9, 0.5), fake_results(2, 0.7, 0.7)])
    assert summary["runs"] == 2
    assert summary["ta_acc"]["mean"] == pytest.approx(0.8) and summary["ta_acc"]["std"] == pytest.approx(0.1414, abs=1e-4)
    assert summary["final_accuracy"]["mean"] == pytest.approx(0.6)
    assert summary["ta_fid"] == {"mean": None, "std": None, "n": 0}
    assert [p["session"] for p in summary["per_session"]] == [1, 2]
    table = summary["generated_per_class_by_task"]
    assert table[0] == [pytest.approx(0.6)]
    assert table[1][0] == pytest.approx((0.0 + 0.5 + 0.0 + 0.7) / 4) and table[1][1] == pytest.approx(0.6)


def test_ranges_and_shards():
    assert sweep.parse_range("1-3,5") == [1, 2, 3, 5]
    assert sweep.parse_shard("2/3") == (2, 3) and sweep.parse_shard(None) == (1, 1)
    for bad in ("a-b",):
        with pytest.raises(InputError, match="--orders"):
            sweep.parse_range(bad)
    with pytest.raises(InputError, match="--shard"):
        sweep.parse_shard("4/3")


def test_two_orders_run_resume_skip_and_report(tmp_path, capsys):
    data_dir = testing.write_idx_files(str(tmp_path / "data"), testing.synthetic_dataset(train_per_class=24))
    training = ["--num_sessions", "2", "--iters", "2", "--batch_size", "8", "--test_interval", "2",
                "--save_interval", "2", "--sample_interval", "2", "--proto_num", "4", "--replay_per_class", "8",
                "--skip_fid", "--fid_samples_per_class", "10", "--data_dir", data_dir]
    args = ["--method", "introgan", "--dataset", "mnist", "--orders", "1-2", "--out", str(tmp_path / "sweeps")]
    assert sweep.main(args + ["--shard", "2/2", "--"] + training) == 0  # order 2 only
    first = tmp_path / "sweeps" / "introgan_mnist" / "order_2_seed_1993" / "results.json"
    assert json.load(open(first))["order_idx"] == 2
    assert not (tmp_path / "sweeps" / "introgan_mnist" / "order_1_seed_1993").exists()
    stamp = first.stat().st_mtime_ns
    assert sweep.main(args + ["--"] + training) == 0  # order 1 runs, order 2 is skipped
    assert first.stat().st_mtime_ns == stamp and "complete, skipped" in capsys.readouterr().out
    summary = json.load(open(tmp_path / "sweeps" / "introgan_mnist" / "report" / "summary.json"))
    assert summary["runs"] == 2 and summary["runs_included"] == ["order_1_seed_1993", "order_2_seed_1993"]
    assert (tmp_path / "sweeps" / "introgan_mnist" / "report" / "sessions.png").is_file()
    assert "±" in open(tmp_path / "sweeps" / "introgan_mnist" / "report" / "report.md").read()


def test_a_failing_run_is_reported_and_the_exit_status_says_so(tmp_path, capsys):
    code = sweep.main(["--method", "introgan", "--dataset", "mnist", "--orders", "1", "--out", str(tmp_path), "--",
                       "--data_dir", str(tmp_path / "missing")])
    assert code == 1 and "sweep.log" in capsys.readouterr().err
