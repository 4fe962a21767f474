"""The run-comparison report (introgan_tf/report.py) on two fake result directories."""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402

from introgan_tf import report  # noqa: E402
from introgan_tf.errors import InputError  # noqa: E402

PNG_MAGIC = b"\x89PNG"


def _write_run(run_dir, method, with_fid, complete=True):
    sessions = []
    for s in (1, 2):
        seen = [0, 1, 2, 3][:2 * s]
        session = {"index": s, "new_classes": seen[-2:], "seen_classes": seen, "accuracy": 0.9 - 0.1 * s,
                   "evaluations": [{"iteration": it, "accuracy": 0.95 - 0.1 * s + it / 1e4,
                                    "prefix_accuracies": [0.9 - 0.05 * s, 0.9 - 0.1 * s][:s]}
                                   for it in (50, 100)]}
        if with_fid:
            session.update({"fid": {str(c): 10.0 + c + s for c in seen}, "fid_mean": 12.0,
                            "fid_extractor": "domain-cnn-v1", "generated_accuracy": {str(c): 0.9 for c in seen},
                            "generated_accuracy_mean": 0.9})
        sessions.append(session)
    results = {"method": method, "dataset": "mnist", "order_idx": 1, "nb_cl": 2, "config": {}, "iters": 100,
               "sessions": sessions, "ta_acc": 0.8, "complete": complete}
    os.makedirs(run_dir / "samples", exist_ok=True)
    (run_dir / "results.json").write_text(json.dumps(results))
    return results


def test_report_on_two_runs(tmp_path):
    run_a, run_b = tmp_path / "run_a", tmp_path / "run_b"
    _write_run(run_a, "introgan", with_fid=True)
    _write_run(run_b, "mergan", with_fid=False, complete=False)
    (run_a / "samples" / "session_2.png").write_bytes(PNG_MAGIC + b"fake")
    out = tmp_path / "out"
    assert report.main([str(run_a), str(run_b), "--out", str(out)]) == 0
    for name in ("accuracy.png", "fid_per_class.png"):
        assert (out / name).read_bytes().startswith(PNG_MAGIC)
    text = (out / "report.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # header + two runs
    row_a = next(r for r in rows if str(run_a) in r)
    row_b = next(r for r in rows if str(run_b) in r)
    assert "introgan" in row_a and "80.00" in row_a and "domain-cnn-v1" in row_a and "90.00" in row_a
    # TA-FID computed from the sessions: FID_1 = mean(11.5, 12.5) = 12, FID_2(2) = 13.5 -> 12.75.
    assert "12.75" in row_a
    assert "mergan" in row_b and "incomplete" in row_b and "—" in row_b
    assert (out / "samples").is_dir() and "session_2" in text


def test_report_without_any_fid_skips_fid_plot(tmp_path):
    run = tmp_path / "only"
    _write_run(run, "dgr", with_fid=False)
    report.write_report([str(run)], str(tmp_path / "out"))
    assert (tmp_path / "out" / "accuracy.png").exists()
    assert not (tmp_path / "out" / "fid_per_class.png").exists()


@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]"])
def test_bad_results_file_is_one_line_error(tmp_path, content, capsys):
    run = tmp_path / "bad"
    run.mkdir()
    if content is not None:
        (run / "results.json").write_text(content)
    with pytest.raises(InputError) as info:
        report.load_results(str(run))
    assert str(run / "results.json") in str(info.value) and "\n" not in str(info.value)
    assert report.main([str(run), "--out", str(tmp_path / "out")]) == 2
    assert "results.json" in capsys.readouterr().err
