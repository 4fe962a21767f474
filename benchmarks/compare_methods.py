"""Every registered method on the same data, class order, seed and iteration budget, then one report.

    python benchmarks/compare_methods.py --budget small                 # MNIST, about an hour on 2 CPU cores
    python benchmarks/compare_methods.py --budget medium --only introgan upper_bound   # replay that works
    python benchmarks/compare_methods.py --budget small --datasets mnist fashion-mnist
    python benchmarks/compare_methods.py --budget paper                 # the originals' budgets (a GPU)
    python benchmarks/compare_methods.py --budget small --only introgan mergan-ra
    python benchmarks/compare_methods.py --budget medium --only introgan upper_bound --mixed_precision bf16

Each run is ``python main.py`` in a subprocess (the user's code path, including
the per-method defaults of flags/config_builder.py), with the shared scenario
flags ``--dataset --order_idx --seed --nb_cl`` so that every method sees the
same sessions.  Each method keeps its own published batch size, optimiser and
loss settings (docs/methods.md); only the iteration budget is shared:

* ``small``: ``--iters 200`` per session (DGR: 150 generator + 50 solver
  iterations), evaluation every 100 iterations, FID skipped; the accuracy of
  the domain classifier on generated samples is still measured.
* ``medium``: ``--iters 3000`` per session, long enough for IntroGAN's generator to
  draw the class it is asked for (docs/benchmarks.md, the generation curves);
  accuracy every 500 and the accuracy on generated samples every 1000 iterations,
  FID at each session end (DGR / DGR-ig split the 3000 into their two phases).
* ``paper``: no ``--iters`` (each method's documented default: 10000 for the
  IntroGAN family, 4001 per task for MeRGAN, 3000 + 1000 for DGR, 10000 + 10000
  for DGR-ig, 60000 + 667 for GAN Memory), FID on.

``gan_memory`` first trains its source (``--method gan_memory_source``) on the
other dataset (Fashion-MNIST for MNIST tasks and the reverse) into
``<out>/source_<dataset>_<budget>/``: 1000 iterations at width 16 (small), 5000
(medium), the method's 100,000 at width 64 (paper); the tasks use the same width.

``--mixed_precision bf16|fp16`` runs every method (and GAN Memory's source) in that precision; its runs,
report and JSON are kept apart from the fp32 ones (``<dataset>_<budget>_<precision>``).

The benchmark is resumable: a finished run (``complete`` in its results.json)
is kept, an interrupted one is continued with ``--resume``.  Output:
``<out>/<dataset>_<budget>/<run>/`` per run, ``report/report.md`` (the table
of ``python -m introgan_tf.report``), and a JSON summary with the table rows and
wall times (default ``benchmarks/results/compare_methods_<dataset>_<budget>.json``).
With ``--only``, that JSON keeps the earlier rows of the runs not rerun when the
setting is the same (listed under ``rows_from_earlier_run``).
"""

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from introgan_tf.report import load_results, markdown_table, summarize, write_report  # noqa: E402

DEFAULT_DATA = os.environ.get("INTROGAN_DATA_DIR", os.path.join(REPO, "..", "shared", "data"))

# run name -> method flags.  The order is the table's order: ours, replay baselines, fine-tuning, bounds.
RUNS = {
    "introgan": ["--method", "introgan"],
    "mergan_ig": ["--method", "mergan_ig"],
    "mergan-ra": ["--method", "mergan", "--mergan_mode", "ra"],
    "mergan-jtr": ["--method", "mergan", "--mergan_mode", "jtr"],
    "mergan-sft": ["--method", "mergan", "--mergan_mode", "sft"],
    "acgan": ["--method", "acgan"],
    "gan_memory": ["--method", "gan_memory"],
    "dgr": ["--method", "dgr", "--replay_mode", "generative-replay"],
    "dgr_ig": ["--method", "dgr_ig"],
    "lower_bound": ["--method", "lower_bound"],
    "upper_bound": ["--method", "upper_bound"],
    "acgan-joint": ["--method", "acgan", "--joint"],
    "mergan-joint": ["--method", "mergan", "--mergan_mode", "joint"],
}

BUDGETS = {
    "small": ["--iters", "200", "--test_interval", "100", "--save_interval", "200", "--sample_interval", "200",
              "--skip_fid"],
    "medium": ["--iters", "3000", "--test_interval", "500", "--save_interval", "500", "--sample_interval", "1000",
               "--gen_eval_interval", "1000"],
    "paper": [],
}
# GAN Memory first pretrains its source on the "perceptually distant" other dataset (run_source); per budget the
# source's flags and the width of both (16 on CPU budgets, the default 64 at the paper's).  With only --iters
# given, gan_memory splits it 1:1 into its GAN and classifier phases.
DISTANT_SOURCE = {"mnist": "fashion-mnist", "fashion-mnist": "mnist"}
SOURCE_BUDGETS = {
    "small": ["--iters", "1000", "--test_interval", "1000", "--save_interval", "500", "--sample_interval", "1000",
              "--skip_fid", "--gan_memory_width", "16"],
    "medium": ["--iters", "5000", "--test_interval", "5000", "--save_interval", "1000", "--sample_interval",
               "1000", "--gan_memory_width", "16"],
    "paper": [],
}
GAN_MEMORY_BUDGETS = {"small": ["--gan_memory_width", "16"], "medium": ["--gan_memory_width", "16"], "paper": []}
# Runs the small budget leaves out to stay within about an hour on 2 CPU cores: MeRGAN's weaker modes and its
# joint GAN upper bound (add them with --only).
SMALL_SKIPS = ("mergan-jtr", "mergan-sft", "mergan-joint")


def run_source(dataset, args):
    """Trains (or resumes, or keeps) GAN Memory's source on the dataset distant from ``dataset``; its directory."""
    source = DISTANT_SOURCE[dataset]
    result_dir = os.path.join(args.out, f"source_{source}_{setting(args)}")
    command = [sys.executable, os.path.join(REPO, "main.py"), "--dataset", source, "--method", "gan_memory_source",
               "--data_dir", os.path.join(args.data_root, source), "--seed", str(args.seed),
               "--result_dir", result_dir, *SOURCE_BUDGETS[args.budget], *precision_flags(args)]
    return result_dir if execute("source", command, result_dir, args.out) else None


def setting(args):
    """The budget, and the precision when it is not fp32: names the output folder and the JSON."""
    return args.budget if args.mixed_precision == "off" else f"{args.budget}_{args.mixed_precision}"


def precision_flags(args):
    return [] if args.mixed_precision == "off" else ["--mixed_precision", args.mixed_precision]


def execute(name, command, result_dir, out_dir):
    """Runs ``command`` unless its results.json is complete (resuming an incomplete one); False if it failed."""
    if os.path.exists(os.path.join(result_dir, "results.json")):
        if load_results(result_dir).get("complete"):
            print(f"[compare] {name}: already complete, kept", flush=True)
            return True
        command = command + ["--resume"]
    print(f"[compare] {name}: {' '.join(command[1:])}", flush=True)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"{name}.log"), "a") as log:
        code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    if code != 0:
        print(f"[compare] {name}: FAILED with exit status {code}; see {out_dir}/{name}.log", flush=True)
    return code == 0


def run_one(name, dataset, args, out_dir):
    """Runs (or resumes) one method; returns (result_dir, wall seconds or None if it was already complete)."""
    result_dir = os.path.join(out_dir, name)
    results_path = os.path.join(result_dir, "results.json")
    extra = []
    if name == "gan_memory":
        source = run_source(dataset, args)
        if source is None:
            return None, None
        extra = ["--source_checkpoint", source, *GAN_MEMORY_BUDGETS[args.budget]]
    command = [sys.executable, os.path.join(REPO, "main.py"), "--dataset", dataset,
               "--data_dir", os.path.join(args.data_root, dataset), "--order_idx", str(args.order_idx),
               "--seed", str(args.seed), "--nb_cl", str(args.nb_cl), "--result_dir", result_dir,
               *RUNS[name], *BUDGETS[args.budget], *extra, *precision_flags(args)]
    if os.path.exists(results_path):
        if load_results(result_dir).get("complete"):
            print(f"[compare] {name}: already complete, kept", flush=True)
            return result_dir, None
        command.append("--resume")
    print(f"[compare] {name}: {' '.join(command[1:])}", flush=True)
    started = time.time()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"{name}.log"), "a") as log:
        code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    if code != 0:
        print(f"[compare] {name}: FAILED with exit status {code}; see {out_dir}/{name}.log", flush=True)
        return None, None
    seconds = time.time() - started
    print(f"[compare] {name}: done in {seconds / 60:.1f} min", flush=True)
    return result_dir, seconds


def merge_earlier(path, record):
    """With --only, keeps the earlier JSON's rows of the runs not rerun (same budget, order, seed and nb_cl), so
    that adding one method to a comparison does not cost rerunning all of them; those rows are listed under
    ``rows_from_earlier_run``."""
    if not os.path.isfile(path):
        return record
    with open(path) as handle:
        earlier = json.load(handle)
    same = all(earlier.get(key) == record[key] for key in ("dataset", "budget", "budget_flags", "order_idx",
                                                            "seed", "nb_cl"))
    if not same:
        print(f"[compare] {path} holds another setting: replaced, not merged", flush=True)
        return record
    rerun = {row["run"] for row in record["rows"]}
    kept = [row for row in earlier.get("rows", []) if row["run"] not in rerun]
    walls = earlier.get("wall_seconds")
    walls = {name: seconds for name, seconds in walls.items() if name not in rerun} if isinstance(walls, dict) else {}
    return dict(record, rows=kept + record["rows"], wall_seconds=dict(walls, **record["wall_seconds"]),
                rows_from_earlier_run=sorted({row["run"] for row in kept}
                                             | set(earlier.get("rows_from_earlier_run", [])) - rerun))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="small")
    parser.add_argument("--datasets", nargs="+", default=["mnist"])
    parser.add_argument("--only", nargs="+", choices=sorted(RUNS), help="run only these (default: all of the budget)")
    parser.add_argument("--order_idx", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1993)
    parser.add_argument("--nb_cl", type=int, default=2)
    parser.add_argument("--data_root", default=DEFAULT_DATA, help="folder holding mnist/ and fashion-mnist/")
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "out", "compare"))
    parser.add_argument("--mixed_precision", choices=["off", "bf16", "fp16"], default="off",
                        help="every run in this precision (main.py's --mixed_precision)")
    parser.add_argument("--json_dir", default=os.path.join(REPO, "benchmarks", "results"))
    args = parser.parse_args()
    names = args.only or [n for n in RUNS if not (args.budget == "small" and n in SMALL_SKIPS)]
    failed = []
    for dataset in args.datasets:
        out_dir = os.path.join(args.out, f"{dataset}_{setting(args)}")
        finished, walls = [], {}
        for name in names:
            result_dir, seconds = run_one(name, dataset, args, out_dir)
            if result_dir is None:
                failed.append(f"{dataset}/{name}")
                continue
            finished.append(result_dir)
            walls[name] = seconds
        if not finished:
            continue
        report = write_report(finished, os.path.join(out_dir, "report"))
        rows = [dict(summarize(os.path.basename(d), load_results(d)), run=os.path.basename(d)) for d in finished]
        print(f"\n== {dataset}, budget {setting(args)} (order {args.order_idx}, seed {args.seed}, nb_cl {args.nb_cl})")
        print(markdown_table(rows))
        print(f"report: {report}")
        os.makedirs(args.json_dir, exist_ok=True)
        path = os.path.join(args.json_dir, f"compare_methods_{dataset}_{setting(args)}.json")
        record = {"dataset": dataset, "budget": args.budget, "budget_flags": BUDGETS[args.budget] + precision_flags(args),
                  "order_idx": args.order_idx, "seed": args.seed, "nb_cl": args.nb_cl, "rows": rows,
                  "wall_seconds": walls}
        if args.only:
            record = merge_earlier(path, record)
        with open(path, "w") as handle:
            json.dump(record, handle, indent=2)
        print(f"wrote {path}")
    if failed:
        print(f"[compare] failed runs: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
