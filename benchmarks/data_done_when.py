"""The colour datasets' "Done when" commands, run by hand on small files in the official formats.

    python benchmarks/data_done_when.py                  # every run and every damaged copy
    python benchmarks/data_done_when.py --only svhn_introgan acgan_image_folder_128 --keep /tmp/done_when

Writes small official-format directories (introgan_tf/data/official_fixtures.py: SVHN's two ``.mat`` files,
CIFAR-10's binary batches, MNIST's IDX files, MeRGAN's four LSUN LMDB databases of JPEG and WebP values, an
ImageNet-style class folder) into a temporary directory, then runs ``python main.py`` on them as a user would,
each in its own process, with a few iterations per session and 2 sessions:

* every run must exit 0 and leave a complete ``results.json`` (2 sessions, the dataset's class names) and a
  SavedModel;
* every damaged copy (``official_fixtures.DEFECTS``: truncated downloads, files that are not the format, values
  out of range) must end with exit status != 0, no Python traceback, and a last line ``error: ...`` that names
  the damaged file.

Prints a table and writes benchmarks/results/data_done_when_<tag>.json (with --only: the rows rerun replace
theirs, the others are kept); exits 1 if any check fails.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TINY = ["--num_sessions", "2", "--iters", "2", "--batch_size", "8", "--test_interval", "2", "--save_interval", "2",
        "--sample_interval", "2", "--skip_fid", "--seed", "1"]

# name -> (the dataset directories it reads, main.py arguments; {svhn} etc. are replaced by their directories).
RUNS = {
    "svhn_introgan": ("svhn", ["--dataset", "svhn", "--method", "introgan", "--data_dir", "{svhn}",
                               "--proto_num", "4", "--replay_per_class", "8"]),
    "svhn_mergan": ("svhn", ["--dataset", "svhn", "--method", "mergan", "--data_dir", "{svhn}"]),
    "dgr_mnist_svhn": ("mnist", ["--method", "dgr", "--experiment", "mnist-svhn", "--data_dir", "{mnist}",
                                 "--second_data_dir", "{svhn}", "--iters", "4"]),
    "acgan_cifar10": ("cifar10", ["--dataset", "cifar10", "--method", "acgan", "--data_dir", "{cifar10}"]),
    "mergan_lsun": ("lsun", ["--dataset", "lsun", "--method", "mergan", "--data_dir", "{lsun}"]),
    "acgan_image_folder_32": ("image_folder", ["--dataset", "image_folder", "--method", "acgan", "--data_dir",
                                               "{image_folder}", "--image_size", "32", "--nb_cl", "1"]),
    "acgan_image_folder_128": ("image_folder", ["--dataset", "image_folder", "--method", "acgan", "--data_dir",
                                                "{image_folder}", "--image_size", "128", "--nb_cl", "1",
                                                "--batch_size", "4"]),
}

# Each damaged dataset is read by the first run that reads it as its --data_dir.
DEFECT_RUN = {"svhn": "svhn_introgan", "cifar10": "acgan_cifar10", "mnist": "dgr_mnist_svhn", "lsun": "mergan_lsun",
              "image_folder": "acgan_image_folder_32"}
EXPECTED_CLASSES = {"svhn": [str(d) for d in range(10)], "cifar10": ["airplane", "automobile"],
                    "lsun": ["bedroom", "kitchen", "church_outdoor", "tower"]}


def command(run: str, dirs: dict, result_dir: str):
    args = [a.format(**dirs) for a in RUNS[run][1]]
    # The run's own --iters / --batch_size come after TINY's and win: absl keeps a flag's last value.
    return [sys.executable, "main.py", *TINY, *args, "--result_dir", result_dir]


def execute(cmd, timeout: int, log: str):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    started = time.time()
    try:
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "w") as handle:
            handle.write(" ".join(cmd) + "\n--- stdout\n" + result.stdout + "\n--- stderr\n" + result.stderr)
        return result.returncode, result.stdout, result.stderr, time.time() - started
    except subprocess.TimeoutExpired as error:
        def text(data):
            return data.decode(errors="replace") if isinstance(data, bytes) else (data or "")
        return None, text(error.stdout), text(error.stderr) + f"\n(timed out after {timeout} s)", timeout


def check_run(run: str, result_dir: str, rc, stderr: str) -> str:
    """'' if the run finished as it must, else what is wrong."""
    if rc != 0:
        return f"exit {rc}: {(stderr.strip().splitlines() or ['(no output)'])[-1][:300]}"
    path = os.path.join(result_dir, "results.json")
    if not os.path.isfile(path):
        return "no results.json"
    with open(path) as handle:
        results = json.load(handle)
    if not results.get("complete") or len(results.get("sessions", [])) != 2:
        return f"results.json: complete={results.get('complete')}, {len(results.get('sessions', []))} sessions"
    dataset = RUNS[run][0] if run != "dgr_mnist_svhn" else None
    expected = EXPECTED_CLASSES.get(dataset)
    names = results.get("class_names", [])
    if dataset == "svhn":  # named by digit under either label convention (introgan: index 0 is digit 1)
        names = sorted(names)
    if expected and names[:len(expected)] != expected:
        return f"class_names {results.get('class_names')}"
    if not os.path.isdir(os.path.join(result_dir, "saved_model")):
        return "no saved_model"
    return ""


def check_defect(damaged: str, rc, stderr: str) -> str:
    lines = stderr.strip().splitlines()
    if rc in (0, None):
        return f"exit {rc}"
    if "Traceback" in stderr:
        return "a traceback"
    if not lines or not lines[-1].startswith("error: "):
        return f"last line {lines[-1][:200] if lines else '(none)'!r}"
    if damaged not in lines[-1]:
        return f"the last line does not name {damaged}"
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help=f"runs to do (default all): {', '.join(RUNS)}; their dataset's "
                        "damaged copies are run too")
    parser.add_argument("--no_defects", action="store_true", help="skip the damaged copies")
    parser.add_argument("--keep", help="write the files and runs here (kept) instead of a temporary directory")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per process")
    parser.add_argument("--tag", default=f"cpu{os.cpu_count()}", help="results file suffix")
    args = parser.parse_args()
    from introgan_tf.data import official_fixtures  # pylint: disable=import-outside-toplevel

    runs = args.only or list(RUNS)
    unknown = [r for r in runs if r not in RUNS]
    if unknown:
        parser.error(f"--only: unknown run(s) {', '.join(unknown)}; expected {', '.join(RUNS)}")
    work = args.keep or tempfile.mkdtemp(prefix="introgan_done_when_")
    os.makedirs(work, exist_ok=True)
    started = time.time()
    dirs = {name: os.path.join(work, "data", name) for name in official_fixtures.WRITERS}
    for name, directory in dirs.items():
        if not os.path.isdir(directory):
            official_fixtures.WRITERS[name](directory)
    print(f"official-format files written under {work}/data in {time.time() - started:.1f}s", flush=True)

    rows = []
    for run in runs:
        result_dir = os.path.join(work, "runs", run)
        shutil.rmtree(result_dir, ignore_errors=True)  # a --keep directory of an earlier call
        cmd = command(run, dirs, result_dir)
        rc, _, stderr, seconds = execute(cmd, args.timeout, os.path.join(work, "logs", f"{run}.txt"))
        problem = check_run(run, result_dir, rc, stderr)
        rows.append(dict(kind="run", name=run, command=" ".join(cmd[1:]).replace(work, "$WORK"), exit=rc,
                         seconds=round(seconds, 1), ok=not problem, problem=problem))
        print(f"{'ok  ' if not problem else 'FAIL'} run     {run:28s} exit {rc}  {seconds:6.1f}s  {problem}", flush=True)

    defects = [] if args.no_defects else [
        d for d in official_fixtures.DEFECTS if DEFECT_RUN[d.dataset] in runs]
    if not args.no_defects and "dgr_mnist_svhn" in runs:  # the second dataset of a sequence, damaged
        defects.append(official_fixtures.Defect("svhn", "second dataset: train_32x32.mat truncated (dgr)",
                                                official_fixtures.DEFECTS[0].damage))
    for index, defect in enumerate(defects):
        target = os.path.join(work, "damaged", f"{index:02d}_{defect.dataset}")
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(os.path.join(work, "runs", f"damaged_{index:02d}"), ignore_errors=True)
        damaged = official_fixtures.damaged_copy(defect, dirs[defect.dataset], target)
        run = "dgr_mnist_svhn" if defect.name.startswith("second dataset") else DEFECT_RUN[defect.dataset]
        cmd = command(run, dict(dirs, **{defect.dataset: target}), os.path.join(work, "runs", f"damaged_{index:02d}"))
        rc, _, stderr, seconds = execute(cmd, args.timeout, os.path.join(work, "logs", f"damaged_{index:02d}.txt"))
        problem = check_defect(damaged, rc, stderr)
        last = (stderr.strip().splitlines() or [""])[-1]
        rows.append(dict(kind="defect", name=defect.name, run=run, exit=rc, seconds=round(seconds, 1),
                         ok=not problem, problem=problem, last_line=last.replace(work, "$WORK")))
        print(f"{'ok  ' if not problem else 'FAIL'} damaged {defect.name:50s} exit {rc}  {seconds:5.1f}s  "
              f"{problem or last.replace(work, '$WORK')[:150]}", flush=True)

    failures = [row for row in rows if not row["ok"]]
    record = dict(benchmark="data_done_when", machine=f"{platform.machine()}, {os.cpu_count()} CPUs",
                  date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), tiny_flags=" ".join(TINY),
                  seconds=round(time.time() - started, 1), passed=len(rows) - len(failures), failed=len(failures),
                  rows=rows)
    out = os.path.join(ROOT, "benchmarks", "results", f"data_done_when_{args.tag}.json")
    if args.only and os.path.isfile(out):  # keep the earlier rows of the checks not rerun
        with open(out) as handle:
            earlier = json.load(handle)
        done = {(row["kind"], row["name"]) for row in rows}
        rows[:0] = [row for row in earlier.get("rows", []) if (row["kind"], row["name"]) not in done]
        failures = [row for row in rows if not row["ok"]]
        record.update(rows=rows, passed=len(rows) - len(failures), failed=len(failures),
                      seconds=round(record["seconds"] + earlier.get("seconds", 0), 1))
    with open(out, "w") as handle:
        json.dump(record, handle, indent=1)
    print(f"wrote {out}")
    print(f"{len(rows) - len(failures)} of {len(rows)} checks passed in {record['seconds']}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
