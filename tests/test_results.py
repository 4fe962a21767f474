"""results.json bookkeeping: what a mid-session resume keeps of the interrupted session's record."""

from introgan_tf.results import ResultsLog


def test_truncate_keeps_the_session_record_and_drops_end_of_session_fields(tmp_path):
    log = ResultsLog(str(tmp_path / "results.json"), {"method": "dgr"})
    record = {"index": 1, "new_classes": [0, 1], "seen_classes": [0, 1], "permutation_index": 0}
    log.start_session(record)
    for iteration in (2, 4, 6):
        log.add_evaluation(1, {"iteration": iteration, "accuracy": 0.5, "prefix_accuracies": [0.5]})
    log.update_session(1, fid_mean=3.0, timing={"training_seconds": 1.0})
    log.truncate(1, 4, record)
    session = log.session(1)
    assert [e["iteration"] for e in session["evaluations"]] == [2, 4]
    assert session["permutation_index"] == 0 and "fid_mean" not in session and "timing" not in session
