"""Does bf16 cost quality?  IntroGAN at 5 x 500 iterations on MNIST and Fashion-MNIST, fp32 vs bf16, two seeds
each: TA-ACC, final accuracy, mean FID and accuracy on generated samples side by side (issue 12, deliverable 1).

    python benchmarks/bf16_quality.py --data_root ../shared/data              # the benchmark (hours on CPU)
    python benchmarks/bf16_quality.py --data_root ../shared/data --reuse_fp32 benchmarks/results/sweeps
    python benchmarks/bf16_quality.py --report_only                            # tabulate what has finished
    python benchmarks/bf16_quality.py --datasets mnist --seeds 1 --iters 5 --num_sessions 1 --skip_fid  # smoke

Every (dataset, precision, seed) is one run of the sweep tool (``python -m introgan_tf.sweep``, class order 1)
into ``--runs_dir/<precision>/introgan_<dataset>/order_1_seed_<seed>/``, so the benchmark is resumable: run it
again after an interruption and finished runs are kept, a partial one resumes.  ``--reuse_fp32 SWEEP_ROOT``
copies finished fp32 runs of the five-order sweep (same method, dataset, order 1, seed) instead of training them
again, but only when their recorded iterations, sessions and FID sample count equal this benchmark's.  Runs go
seed by seed, bf16 first, so that an interrupted benchmark has whole fp32/bf16 pairs.

Writes ``--out`` (JSON: one row per finished run, the per-(dataset, precision) means and the bf16 - fp32
differences) and prints the table; cells not yet run are listed as missing.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRECISIONS = ("off", "bf16")
METRICS = ("ta_acc", "final_accuracy", "fid_mean", "generated_accuracy_mean")


def run_dir(runs_dir, precision, dataset, seed):
    return os.path.join(runs_dir, precision, f"introgan_{dataset}", f"order_1_seed_{seed}")


def read_complete(directory):
    """The run's results.json if it finished, else None."""
    path = os.path.join(directory, "results.json")
    if not os.path.isfile(path):
        return None
    with open(path) as handle:
        data = json.load(handle)
    return data if data.get("complete") else None


def matches(data, args, precision):
    """Whether a finished run was made with this benchmark's settings (so it can stand in for one of ours)."""
    config = data["config"]
    return (data["method"] == "introgan" and data["order_idx"] == 1
            and config["train"]["iters"] == args.iters
            and config["train"].get("mixed_precision", "off") == precision
            and config["num_sessions"] == args.num_sessions
            and config["eval"]["skip_fid"] == args.skip_fid
            and config["eval"]["fid_samples_per_class"] == args.fid_samples_per_class)


def reuse(args, dataset, seed):
    """Copies the sweep's finished fp32 run of (dataset, seed) into our runs folder when its settings match."""
    target = run_dir(args.runs_dir, "off", dataset, seed)
    if read_complete(target) is not None or not args.reuse_fp32:
        return
    source = os.path.join(args.reuse_fp32, f"introgan_{dataset}", f"order_1_seed_{seed}")
    data = read_complete(source)
    if data is None:
        return
    if not matches(data, args, "off"):
        print(f"[bf16_quality] {source}: other settings than this benchmark's, not reused", flush=True)
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    print(f"[bf16_quality] {dataset} fp32 seed {seed}: reused {source}", flush=True)


def train(args, dataset, precision, seed):
    """One run through the sweep tool (it skips a finished run and resumes a partial one)."""
    flags = ["--iters", str(args.iters), "--fid_samples_per_class", str(args.fid_samples_per_class),
             "--mixed_precision", precision]
    if args.data_root:
        flags += ["--data_dir", os.path.join(args.data_root, dataset)]
    if args.num_sessions:
        flags += ["--num_sessions", str(args.num_sessions)]
    if args.skip_fid:
        flags += ["--skip_fid"]
    command = [sys.executable, "-m", "introgan_tf.sweep", "--method", "introgan", "--dataset", dataset,
               "--orders", "1", "--seeds", str(seed), "--out", os.path.join(args.runs_dir, precision), "--", *flags]
    print(f"[bf16_quality] {dataset} {precision} seed {seed}", flush=True)
    done = subprocess.run(command, cwd=REPO)
    if done.returncode:
        print(f"[bf16_quality] {dataset} {precision} seed {seed}: exit {done.returncode}", file=sys.stderr)


def row(data, dataset, precision, seed, directory):
    last = data["sessions"][-1]
    return {"dataset": dataset, "mixed_precision": precision, "seed": seed, "ta_acc": data["ta_acc"],
            "final_accuracy": last["accuracy"], "fid_mean": last.get("fid_mean"),
            "generated_accuracy_mean": last.get("generated_accuracy_mean"),
            "train_seconds": sum(s.get("timing", {}).get("training_seconds", 0.0) or 0.0 for s in data["sessions"]),
            "result_dir": os.path.relpath(directory, REPO)}


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "n": len(values)}


def summarise(rows, datasets):
    summary = {}
    for dataset in datasets:
        cells = {p: {m: mean_std([r[m] for r in rows if r["dataset"] == dataset and r["mixed_precision"] == p])
                     for m in METRICS} for p in PRECISIONS}
        paired = sorted({r["seed"] for r in rows if r["dataset"] == dataset and r["mixed_precision"] == "off"}
                        & {r["seed"] for r in rows if r["dataset"] == dataset and r["mixed_precision"] == "bf16"})
        difference = {}
        for metric in METRICS:  # bf16 - fp32 over the seeds that have both
            by = {(r["mixed_precision"], r["seed"]): r[metric] for r in rows if r["dataset"] == dataset}
            deltas = [by[("bf16", s)] - by[("off", s)] for s in paired
                      if by[("bf16", s)] is not None and by[("off", s)] is not None]
            difference[metric] = mean_std(deltas)
        summary[dataset] = {"fp32": cells["off"], "bf16": cells["bf16"], "paired_seeds": paired,
                            "bf16_minus_fp32": difference}
    return summary


def _cell(stat, scale=100.0, digits=2):
    if stat is None:
        return "-"
    text = f"{stat['mean'] * scale:.{digits}f}"
    return text + (f" ± {stat['std'] * scale:.{digits}f}" if stat["n"] > 1 else "") + f" (n={stat['n']})"


def print_table(rows, summary, missing):
    print(f"{'dataset':14s} {'precision':9s} {'seed':>5s} {'TA-ACC':>7s} {'final':>7s} {'FID':>8s} {'gen acc':>8s}")
    for r in rows:
        fid = "-" if r["fid_mean"] is None else f"{r['fid_mean']:.1f}"
        gen = "-" if r["generated_accuracy_mean"] is None else f"{r['generated_accuracy_mean'] * 100:.2f}"
        print(f"{r['dataset']:14s} {r['mixed_precision']:9s} {r['seed']:5d} {r['ta_acc'] * 100:7.2f} "
              f"{r['final_accuracy'] * 100:7.2f} {fid:>8s} {gen:>8s}")
    print("\n| dataset | precision | TA-ACC (%) | final accuracy (%) | FID (last session) | generated acc (%) |")
    print("|---|---|---|---|---|---|")
    for dataset, cells in summary.items():
        for name in ("fp32", "bf16", "bf16_minus_fp32"):
            c = cells[name]
            label = "bf16 − fp32 (paired seeds)" if name == "bf16_minus_fp32" else name
            print(f"| {dataset} | {label} | {_cell(c['ta_acc'])} | {_cell(c['final_accuracy'])} | "
                  f"{_cell(c['fid_mean'], 1.0, 1)} | {_cell(c['generated_accuracy_mean'])} |")
    for item in missing:
        print(f"missing: {item}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1993, 1994])
    parser.add_argument("--iters", type=int, default=500)
    parser.add_argument("--num_sessions", type=int, default=None)
    parser.add_argument("--data_root", default=None, help="folder holding <dataset>/ IDX files")
    parser.add_argument("--skip_fid", action="store_true")
    parser.add_argument("--fid_samples_per_class", type=int, default=2000,
                        help="2000, as the five-order sweeps of docs/benchmarks.md, so their fp32 runs can be reused")
    parser.add_argument("--runs_dir", default=os.path.join(REPO, "result", "bf16_quality"))
    parser.add_argument("--reuse_fp32", default=None, metavar="SWEEP_ROOT",
                        help="a sweep's --out folder whose finished fp32 order-1 runs stand in for ours")
    parser.add_argument("--report_only", action="store_true", help="tabulate finished runs, train nothing")
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results", "bf16_quality_cpu2.json"))
    args = parser.parse_args()
    if args.reuse_fp32 and not os.path.isdir(args.reuse_fp32):
        parser.error(f"--reuse_fp32={args.reuse_fp32}: not a folder")
    if args.data_root and not os.path.isdir(args.data_root):
        parser.error(f"--data_root={args.data_root}: not a folder")

    cells = [(dataset, precision, seed) for seed in args.seeds for dataset in args.datasets
             for precision in ("bf16", "off")]
    for dataset, precision, seed in cells:
        if precision == "off":
            reuse(args, dataset, seed)
        if not args.report_only and read_complete(run_dir(args.runs_dir, precision, dataset, seed)) is None:
            train(args, dataset, precision, seed)

    rows, missing = [], []
    for dataset, precision, seed in sorted(cells):
        directory = run_dir(args.runs_dir, precision, dataset, seed)
        data = read_complete(directory)
        if data is None:
            missing.append(f"{dataset} {precision} seed {seed} ({directory})")
        elif not matches(data, args, precision):
            missing.append(f"{dataset} {precision} seed {seed}: {directory} was made with other settings")
        else:
            rows.append(row(data, dataset, precision, seed, directory))
    summary = summarise(rows, args.datasets)
    print_table(rows, summary, missing)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump({"args": {k: v for k, v in vars(args).items() if k != "out"}, "rows": rows,
                   "summary": summary, "missing": missing}, handle, indent=2)
    print(f"wrote {args.out}")
    return 1 if missing and not args.report_only else 0


if __name__ == "__main__":
    sys.exit(main())
