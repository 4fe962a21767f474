"""Runs that survive what real machines do to them (docs/faults.md): strict results.json, the run lock, checkpoints
that fall back, full disks and other write errors.  Synthetic data, tiny runs; the two-process lock test and the
command-line cases run main.py on synthetic IDX files."""

import errno
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from introgan_tf import experiment, testing
from introgan_tf.checkpointing import SessionCheckpointer, checkpoint_files, read_checkpoint
from introgan_tf.errors import InputError, StorageError
from introgan_tf.results import ResultsLog, atomic_write_text, dumps_strict, read_results
from introgan_tf.run_lock import LOCK_FILE, RunLock


def strict_load(path):
    """Parses like a strict (RFC 8259) reader: NaN / Infinity are refused."""
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    with open(path) as handle:
        return json.load(handle, parse_constant=refuse)


# ------------------------------------------------------------------------------------------------ strict JSON
def test_results_json_is_strict_and_reads_back(tmp_path):
    """DGR's record when class 3 is never generated: NaN values become null, their pointers are listed."""
    path = tmp_path / "results.json"
    log = ResultsLog(str(path), {"method": "dgr"})
    log.start_session({"index": 1, "new_classes": [2, 3]})
    log.update_session(1, generated_accuracy={"2": 0.5, "3": float("nan")}, generated_accuracy_mean=float("nan"),
                       classes_not_generated=[3], fid={"2": np.float32(3.5), "3": float("inf")})
    log.update(ta_fid=float("-inf"))
    data = strict_load(path)
    session = data["sessions"][0]
    assert session["generated_accuracy"] == {"2": 0.5, "3": None} and session["generated_accuracy_mean"] is None
    assert session["classes_not_generated"] == [3] and session["fid"] == {"2": 3.5, "3": None}
    assert data["non_finite_values"] == {"/sessions/0/generated_accuracy/3": "NaN",
                                         "/sessions/0/generated_accuracy_mean": "NaN",
                                         "/sessions/0/fid/3": "Infinity", "/ta_fid": "-Infinity"}
    back = read_results(str(path))  # the metrics see NaN again, as they computed it
    assert math.isnan(back["sessions"][0]["generated_accuracy"]["3"]) and back["ta_fid"] == float("-inf")
    assert back["sessions"][0]["fid"]["3"] == float("inf") and "non_finite_values" not in back
    # Written again (a resumed run): still strict, the same pointers.
    ResultsLog(str(path), {"method": "dgr"}, back).write()
    assert strict_load(path)["non_finite_values"]["/ta_fid"] == "-Infinity"


def test_pointer_escapes_keys_with_slashes():
    text = dumps_strict({"a/b": {"~c": float("nan")}, "sessions": []})
    assert json.loads(text)["non_finite_values"] == {"/a~1b/~0c": "NaN"}


def test_old_files_with_bare_nan_are_read_by_report_and_test(tmp_path):
    from introgan_tf import evaluate_run, report
    run = tmp_path / "old"
    run.mkdir()
    config = testing.tiny_config(str(run)).to_dict()
    (run / "results.json").write_text(
        '{"method": "dgr", "dataset": "mnist", "nb_cl": 2, "iters": 6, "ta_acc": 0.5, "ta_fid": NaN, '
        '"config": ' + json.dumps(config) + ', "sessions": [{"index": 1, "accuracy": 0.5, "fid_mean": NaN, '
        '"evaluations": [{"iteration": 6, "accuracy": 0.5, "prefix_accuracies": [0.5]}]}]}')
    assert math.isnan(read_results(str(run / "results.json"))["ta_fid"])
    row = report.summarize(str(run), report.load_results(str(run)))
    assert row["TA-ACC (%)"] == "50.00"
    assert evaluate_run.stored_config(str(run), None).method == "introgan"


# ------------------------------------------------------------------------------------------------ run lock
def test_lock_is_exclusive_and_released(tmp_path):
    with RunLock(str(tmp_path / "run")):
        assert (tmp_path / "run" / LOCK_FILE).read_text().strip() == str(os.getpid())
        with pytest.raises(InputError, match=rf"--result_dir {tmp_path / 'run'} is in use by another run "
                                             rf"\(pid {os.getpid()}"):
            RunLock(str(tmp_path / "run")).acquire()
    with RunLock(str(tmp_path / "run")):  # released at the end of the first run
        pass


def test_second_process_is_refused_and_a_dead_holder_does_not_block(tmp_path, repo_root):
    """Two real processes: a training run holds the lock; a second main.py into the same dir ends at once."""
    data_dir = testing.write_idx_files(str(tmp_path / "mnist"), testing.synthetic_dataset("mnist"))
    result_dir = tmp_path / "run"
    args = [sys.executable, "main.py", "--dataset", "mnist", "--data_dir", data_dir, "--method", "lower_bound",
            "--num_sessions", "1", "--iters", "100000", "--batch_size", "8", "--test_interval", "100000",
            "--save_interval", "100000", "--result_dir", str(result_dir)]
    first = subprocess.Popen(args, cwd=repo_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = []
    try:
        deadline = time.time() + 120
        lock = result_dir / LOCK_FILE
        while (not lock.exists() or lock.read_text().strip() != str(first.pid)) and first.poll() is None \
                and time.time() < deadline:
            time.sleep(0.1)
        assert first.poll() is None, "the first run ended before the second started"
        # Paused, the holder keeps its flock (an open file's lock does not depend on the process running) and
        # leaves the CPU to the second runs' start-up; both second runs (plain and --resume) start together.
        first.send_signal(signal.SIGSTOP)
        started = time.time()
        seconds += [subprocess.Popen(args + extra, cwd=repo_root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True) for extra in ([], ["--resume"])]
        for second in seconds:
            stderr = second.communicate(timeout=120)[1]
            lines = stderr.strip().splitlines()
            assert second.returncode == 2, stderr[-2000:]
            assert lines[-1] == (f"error: --result_dir {result_dir} is in use by another run (pid {first.pid}, "
                                 f"lock {result_dir / LOCK_FILE}); wait for it to end or choose another "
                                 f"--result_dir"), lines
            assert "Traceback" not in stderr
        assert time.time() - started < 60
        first.send_signal(signal.SIGCONT)
        assert first.poll() is None  # the first run was not disturbed
    finally:
        for second in seconds:
            if second.poll() is None:
                second.kill()
                second.wait()
        first.kill()
        first.wait()
    # A SIGKILLed holder leaves its lock file (with its pid); the kernel dropped the lock, so --resume may run.
    assert (result_dir / LOCK_FILE).read_text().strip() == str(first.pid)
    with RunLock(str(result_dir)):
        pass


# ------------------------------------------------------------------------------------------------ checkpoints
@pytest.fixture(scope="module")
def interrupted_once(synthetic_mnist, tmp_path_factory):
    """A 1-session introgan run (8 iterations, a checkpoint every 2) killed right after its save at iteration 6,
    trained once per module; the tests below get a fresh copy of its files (interrupted_run)."""
    root = tmp_path_factory.mktemp("interrupted")
    # Recorded as read from these files (the same images), so that main.py --resume can continue the run too.
    data_dir = testing.write_idx_files(str(root / "mnist"), synthetic_mnist)
    config = testing.tiny_config(str(root / "run"), num_sessions=1, data_dir=data_dir, iters=8, save_interval=2,
                                 test_interval=2, sample_interval=100)
    with pytest.raises(testing.StoppedAfterCheckpoint), testing.stop_after_checkpoint(1, 6):
        experiment.run(config, data=synthetic_mnist)
    shutil.copytree(root / "run", root / "pristine")
    return config, root


@pytest.fixture()
def interrupted_run(interrupted_once):
    """The interrupted run's files as it left them (restored at the same path: results.json names it)."""
    config, root = interrupted_once
    shutil.rmtree(root / "run")
    shutil.copytree(root / "pristine", root / "run")
    return config, root / "run" / "checkpoints" / "session_1"


def flip_bytes(path, offset=100, count=8):
    with open(path, "r+b") as handle:
        handle.seek(offset)
        data = bytearray(handle.read(count))
        handle.seek(offset)
        handle.write(bytes(b ^ 0xFF for b in data))


def data_file(session_dir, number):
    return [f for f in checkpoint_files(str(session_dir / f"ckpt-{number}")) if ".data-" in f][0]


def test_keeps_the_last_two_checkpoints(interrupted_run):
    _, session_dir = interrupted_run
    assert sorted(p.name for p in session_dir.glob("ckpt-*.index")) == ["ckpt-12.index", "ckpt-8.index"]
    assert read_checkpoint(str(session_dir / "ckpt-12")) == (6, False)


def test_resume_falls_back_from_flipped_bytes(interrupted_run, synthetic_mnist, capsys):
    config, session_dir = interrupted_run
    flip_bytes(data_file(session_dir, 12))
    capsys.readouterr()
    data = experiment.run(config.replace(resume=True), data=synthetic_mnist)
    out = capsys.readouterr().out
    assert f"warning: checkpoint {session_dir / 'ckpt-12'} cannot be read" in out
    assert "resumed session 1 at iteration 4" in out and "Traceback" not in out
    testing.check_results(data, "introgan", iters=8, test_interval=2, num_sessions=1)
    assert (session_dir / "ckpt-12.index.corrupt").exists()  # kept aside, never written over
    assert read_checkpoint(str(session_dir / "ckpt-17")) == (8, True)


def test_fallback_from_a_truncated_and_a_missing_shard(interrupted_run):
    _, session_dir = interrupted_run
    checkpointer = SessionCheckpointer(str(session_dir.parent), log=lambda text: None)
    shard = data_file(session_dir, 12)
    os.truncate(shard, os.path.getsize(shard) // 2)
    assert checkpointer.info(1).iteration == 4
    os.remove(data_file(session_dir, 8))
    with pytest.raises(InputError, match=r"no checkpoint of session 1 can be read: .*ckpt-12 \(.*\); .*ckpt-8 "
                                         r"\(.*\)\. Delete .*session_1 to train session 1 again"):
        checkpointer.info(1)


def test_no_readable_checkpoint_is_one_line_on_the_command_line(interrupted_run, repo_root):
    config, session_dir = interrupted_run
    for number in (8, 12):
        flip_bytes(data_file(session_dir, number))
    train = config.train
    result = subprocess.run(
        [sys.executable, "main.py", "--dataset", "mnist", "--data_dir", config.data_dir, "--num_sessions", "1",
         "--nb_cl", "2", "--iters", "8", "--batch_size", str(train.batch_size), "--save_interval", "2",
         "--test_interval", "2", "--sample_interval", "100", "--proto_num", "4", "--replay_per_class", "30",
         "--skip_fid", "--fid_samples_per_class", "50", "--result_dir", str(config.result_dir), "--resume"],
        cwd=repo_root, capture_output=True, text=True, timeout=300)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert lines[-1].startswith("error: no checkpoint of session 1 can be read:") and "Checksum" in lines[-1]


# ------------------------------------------------------------------------------------------------ write errors
def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_results_json_disk_full_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    atomic_write_text(str(path), '{"sessions": []}\n')
    monkeypatch.setattr("introgan_tf.results.os.fsync", enospc)  # the write reaches the disk at fsync
    with pytest.raises(StorageError, match=rf"cannot write {path}: No space left on device"):
        ResultsLog(str(path), {"method": "introgan"}).write()
    assert path.read_text() == '{"sessions": []}\n' and os.listdir(tmp_path) == ["results.json"]


def test_png_disk_full_keeps_the_old_file(tmp_path, monkeypatch):
    from introgan_tf.visualization import save_png
    path = tmp_path / "grid.png"
    save_png(np.zeros((4, 4, 1), np.uint8), str(path))
    before = path.read_bytes()
    monkeypatch.setattr("introgan_tf.results.os.fsync", enospc)
    with pytest.raises(StorageError, match="grid.png: No space left on device"):
        save_png(np.full((4, 4, 1), 255, np.uint8), str(path))
    assert path.read_bytes() == before


def test_disk_full_during_a_run(synthetic_mnist, tmp_path, monkeypatch):
    """Faults injected into the TensorFlow writers: the checkpoint of session 2, then the SavedModel of session
    2: one StorageError naming the path; every file complete before stays complete, --resume finishes the run."""
    import tensorflow as tf
    config = testing.tiny_config(str(tmp_path / "run"), iters=4, save_interval=2, test_interval=2,
                                 sample_interval=100)
    write, save = tf.train.Checkpoint.write, tf.saved_model.save
    full = {"checkpoint": None, "saved_model": False}

    def checkpoint_write(self, prefix, *args, **kwargs):
        if full["checkpoint"] and full["checkpoint"] in prefix:
            os.makedirs(prefix + "_temp")  # what a real failed SaveV2 leaves behind
            raise tf.errors.ResourceExhaustedError(None, None, f"{prefix}_temp/part-00000; No space left on device")
        return write(self, prefix, *args, **kwargs)

    def saved_model_save(module, path, *args, **kwargs):
        if full["saved_model"]:
            os.makedirs(path)
            open(os.path.join(path, "saved_model.pb"), "wb").write(b"half")
            raise tf.errors.ResourceExhaustedError(None, None, f"{path}/variables; No space left on device")
        return save(module, path, *args, **kwargs)

    monkeypatch.setattr(tf.train.Checkpoint, "write", checkpoint_write)
    monkeypatch.setattr(tf.saved_model, "save", saved_model_save)
    full["checkpoint"] = "session_2/ckpt-4"  # iteration 2 of session 2
    with pytest.raises(StorageError, match=r"cannot write checkpoint .*session_2/ckpt-4: .*No space left"):
        experiment.run(config, data=synthetic_mnist)
    run = tmp_path / "run"
    results = strict_load(run / "results.json")
    assert results["complete"] is False and len(results["sessions"]) == 2
    assert not list((run / "checkpoints" / "session_2").glob("*_temp"))
    assert read_checkpoint(str(run / "checkpoints" / "session_1" / "ckpt-9")) == (4, True)
    assert tf.saved_model.load(str(run / "saved_model")).signatures["classify"] is not None

    full.update(checkpoint=None, saved_model=True)
    with pytest.raises(StorageError, match=r"cannot write the SavedModel .*saved_model: .*No space left"):
        experiment.run(config.replace(resume=True), data=synthetic_mnist)
    assert not (run / "saved_model.tmp").exists()
    model = tf.saved_model.load(str(run / "saved_model"))  # still session 1's, complete
    assert model.signatures["classify"](images=tf.zeros([1, 28, 28, 1]))["logits"].shape == (1, 2)

    full["saved_model"] = False
    data = experiment.run(config.replace(resume=True), data=synthetic_mnist)
    testing.check_results(data, "introgan", iters=4, test_interval=2)


def small_tmpfs(path, size):
    """Mounts a tmpfs of ``size`` at ``path`` (needs root); skips the test with the reason otherwise."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip() or 'not root'}); the fault-injecting "
                    f"tests cover the same paths")
    return path


def test_real_full_disk_on_the_command_line(tmp_path, repo_root):
    """The result dir on a 3 MiB file system: one line naming the file, exit 4, the complete files stay complete."""
    disk = small_tmpfs(tmp_path / "disk", "3m")
    try:
        data_dir = testing.write_idx_files(str(tmp_path / "mnist"), testing.synthetic_dataset("mnist"))
        result = subprocess.run(
            [sys.executable, "main.py", "--dataset", "mnist", "--data_dir", data_dir, "--num_sessions", "1",
             "--nb_cl", "2", "--iters", "4", "--batch_size", "8", "--save_interval", "2", "--test_interval", "2",
             "--proto_num", "4", "--skip_fid", "--result_dir", str(disk / "run")],
            cwd=repo_root, capture_output=True, text=True, timeout=300)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 4 and "Traceback" not in result.stderr, result.stderr[-3000:]
        assert lines[-1].startswith(f"error: cannot write checkpoint {disk / 'run'}") and \
            "No space left on device" in lines[-1], lines[-1]
        assert strict_load(disk / "run" / "results.json")["complete"] is False
        session_dir = disk / "run" / "checkpoints" / "session_1"
        assert not list(session_dir.glob("ckpt-*")) and not list(session_dir.glob("*_temp"))
    finally:
        subprocess.run(["umount", str(disk)], check=False)
