"""--gen_eval_interval: generation metrics within a session, in results.json, TensorBoard and the report."""

import dataclasses
import glob

import pytest

from introgan_tf import experiment, report
from introgan_tf.testing import tiny_config, without_export


@pytest.fixture(scope="module")
def run(synthetic_mnist, tmp_path_factory):
    result_dir = tmp_path_factory.mktemp("gen_eval")
    config = tiny_config(result_dir, iters=4, test_interval=2)
    config = config.replace(eval=dataclasses.replace(config.eval, gen_eval_interval=2, fid_samples_per_class=20))
    with without_export():  # no test here reads the SavedModel
        return result_dir, experiment.run(config, data=synthetic_mnist)


def test_points_within_every_session(run):
    _, data = run
    for session in data["sessions"]:
        points = session["generation_evaluations"]
        assert [p["iteration"] for p in points] == [2]  # the session end is the end-of-session record
        assert set(points[0]["generated_accuracy"]) == {str(c) for c in session["seen_classes"]}
        assert 0.0 <= points[0]["generated_accuracy_mean"] <= 1.0 and "fid" not in points[0]
        assert points[0]["generated_accuracy_samples_per_class"] == 20


def test_sample_grid_at_every_point(run):
    result_dir, _ = run
    for s in (1, 2):
        assert (result_dir / "samples" / f"session_{s}_iter_2.png").is_file()


def test_tensorboard_and_report_curve(run, tmp_path):
    import tensorflow as tf
    result_dir, data = run
    steps = set()
    for path in glob.glob(str(result_dir / "tensorboard" / "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            steps.update(event.step for v in event.summary.value if v.tag == "generated_accuracy/mean")
    assert steps == {2, 4, 6, 8}  # within sessions 1 and 2, and both session ends
    xs, ys = report.generation_points(data)
    assert xs == [2, 4, 6, 8] and all(0 <= y <= 100 for y in ys)
    path = report.write_report([str(result_dir)], str(tmp_path / "out"))
    assert (tmp_path / "out" / "generated_accuracy.png").is_file()
    assert "generated_accuracy.png" in open(path).read()


def test_resume_drops_later_points():
    from introgan_tf.results import ResultsLog
    log = ResultsLog("/dev/null/never-written", {"method": "introgan"})
    log.write = lambda: None
    log.start_session({"index": 1, "new_classes": [0, 1], "seen_classes": [0, 1]})
    for iteration in (2, 4, 6):
        log.add_generation_evaluation(1, {"iteration": iteration, "generated_accuracy_mean": 0.5})
    log.truncate(1, 4)
    assert [p["iteration"] for p in log.session(1)["generation_evaluations"]] == [2, 4]
