"""``--host_allocator system`` against ``tensorflow``: speed, peak RSS and identical numbers, through main.py.

    python benchmarks/host_allocator.py                                  # introgan and dgr, 2 x 100, 2 rounds
    python benchmarks/host_allocator.py --methods introgan introgan:bf16 --iters 200 --rounds 3
    python benchmarks/host_allocator.py --variants tensorflow system \
        system+MALLOC_MMAP_THRESHOLD_=8388608+MALLOC_TRIM_THRESHOLD_=8388608

Each run is ``python main.py --dataset mnist --method M --num_sessions S --iters N --skip_fid`` in a fresh
process with one variant: a ``--host_allocator`` value, optionally with environment settings joined by ``+``
(the user's own settings win over the flag's, so this times other thresholds).  ``METHOD:bf16`` adds
``--mixed_precision bf16``.  The variants alternate in every round (this machine is shared and noisy: drift
hits them alike), and the script reports, per method and variant, the median over the rounds of the steady
iterations per second of each session (``sessions[i].timing.steady_iterations_per_second``), of each session's
training seconds, of the whole process's wall time and of each session's peak RSS (``timing.peak_rss_mb``).  It
also checks that every variant wrote the first one's numbers (every evaluation's accuracies, the accuracy on
generated samples and the TA-ACC, which the allocator must not change), over all rounds and within each round.

Writes JSON (default ``benchmarks/results/host_allocator_cpu2.json``) and prints a table.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from introgan_tf import host_memory  # noqa: E402  (no TensorFlow: the runs are main.py subprocesses)


def numbers(results: dict) -> dict:
    """What the allocator must leave unchanged: every evaluation, the accuracy on generated samples, the TA-ACC."""
    return {"ta_acc": results.get("ta_acc"),
            "sessions": [{key: session.get(key) for key in ("evaluations", "accuracy", "generated_accuracy")}
                         for session in results["sessions"]]}


def run_once(run: str, variant: str, args, work: str) -> dict:
    method, _, precision = run.partition(":")
    allocator, *settings = variant.split("+")
    result_dir = os.path.join(work, f"{method}_{time.time_ns()}")
    command = [sys.executable, "main.py", "--dataset", "mnist", "--data_dir", args.data_dir, "--method", method,
               "--mixed_precision", precision or "off",
               "--seed", str(args.seed), "--num_sessions", str(args.num_sessions), "--iters", str(args.iters),
               "--test_interval", str(args.iters), "--save_interval", str(2 * args.iters),
               "--sample_interval", str(2 * args.iters), "--skip_fid", "--host_allocator", allocator,
               "--result_dir", result_dir]
    env = {k: v for k, v in os.environ.items() if k not in host_memory.ENVIRONMENT}  # the variant decides
    env.update(setting.split("=", 1) for setting in settings)
    started = time.time()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"host_allocator: {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    with open(os.path.join(result_dir, "results.json")) as handle:
        results = json.load(handle)
    timings = [session["timing"] for session in results["sessions"]]
    return {"wall_seconds": wall, "numbers": numbers(results),
            "steady_iterations_per_second": [t.get("steady_iterations_per_second") for t in timings],
            "training_seconds": [t.get("training_seconds") for t in timings],
            "peak_rss_mb": [t.get("peak_rss_mb") for t in timings],
            "host_allocator": [t.get("host_allocator") for t in timings]}


def median_per_session(runs, key):
    """Per session, the median over the rounds (None where a run recorded none: too few steps for a steady rate)."""
    per_session = zip(*(run[key] for run in runs))
    return [statistics.median(v for v in values if v is not None) if any(v is not None for v in values) else None
            for values in per_session]


def figures(values, form: str) -> str:
    return " / ".join("-" if value is None else format(value, form) for value in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["introgan", "dgr"], help="METHOD or METHOD:bf16")
    parser.add_argument("--variants", nargs="+", default=["tensorflow", "system"],
                        help="--host_allocator values, each optionally +KEY=VALUE+... (the first is the reference)")
    parser.add_argument("--iters", type=int, default=100)
    parser.add_argument("--num_sessions", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1993)
    parser.add_argument("--data_dir", default=os.path.join(os.path.dirname(REPO), "shared", "data", "mnist"))
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results", "host_allocator_cpu2.json"))
    args = parser.parse_args()
    if not os.path.isdir(args.data_dir):
        parser.error(f"--data_dir={args.data_dir}: expected the folder of MNIST's IDX files")
    for variant in args.variants:
        allocator, *settings = variant.split("+")
        if allocator not in host_memory.CHOICES or any("=" not in setting for setting in settings):
            parser.error(f"--variants {variant}: expected tensorflow or system, optionally +KEY=VALUE+...")
    for run in args.methods:
        if run.partition(":")[2] not in ("", "off", "bf16", "fp16"):
            parser.error(f"--methods {run}: expected METHOD or METHOD:bf16")
    runs = {(method, variant): [] for method in args.methods for variant in args.variants}
    with tempfile.TemporaryDirectory(prefix="host_allocator_") as work:
        for round_index in range(args.rounds):
            for method in args.methods:
                order = args.variants if round_index % 2 == 0 else args.variants[::-1]
                for variant in order:
                    run = run_once(method, variant, args, work)
                    runs[(method, variant)].append(run)
                    speeds = figures(run["steady_iterations_per_second"], ".2f")
                    print(f"round {round_index + 1}: {method:13s} {variant} steady it/s per session "
                          f"{speeds}, wall {run['wall_seconds']:.0f} s, peak RSS "
                          f"{max(run['peak_rss_mb']):.0f} MiB", flush=True)
    rows = []
    # The same round's variants ran one after the other: where a method is not bit-reproducible from run to run
    # (e.g. DGR here), they can agree with each other while the rounds differ.
    agree_within_rounds = {method: all(runs[(method, variant)][r]["numbers"] == runs[(method, args.variants[0])][r][
        "numbers"] for variant in args.variants for r in range(args.rounds)) for method in args.methods}
    for method in args.methods:
        reference = runs[(method, args.variants[0])][0]["numbers"]
        for variant in args.variants:
            done = runs[(method, variant)]
            rows.append({"method": method, "variant": variant, "rounds": len(done),
                         "steady_iterations_per_second": median_per_session(done, "steady_iterations_per_second"),
                         "wall_seconds": statistics.median(run["wall_seconds"] for run in done),
                         "training_seconds": median_per_session(done, "training_seconds"),
                         "peak_rss_mb": median_per_session(done, "peak_rss_mb"),
                         "same_numbers_as_reference": all(run["numbers"] == reference for run in done),
                         "same_numbers_within_each_round": agree_within_rounds[method],
                         "ta_acc": done[0]["numbers"]["ta_acc"], "runs": done})
    print(f"\nmedian of {args.rounds} round(s), MNIST, {args.num_sessions} x {args.iters} iterations:")
    for row in rows:
        speeds = figures(row["steady_iterations_per_second"], ".2f")
        peaks = figures(row["peak_rss_mb"], ".0f")
        print(f"  {row['method']:13s} {row['variant']}: steady it/s {speeds}; training "
              f"{figures(row['training_seconds'], '.0f')} s; wall {row['wall_seconds']:.0f} s; "
              f"peak RSS {peaks} MiB; TA-ACC {row['ta_acc']:.6f}; same numbers as {args.variants[0]}: "
              f"{row['same_numbers_as_reference']} (within each round: {row['same_numbers_within_each_round']})")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump({"settings": {k: v for k, v in vars(args).items() if k != "out"}, "cpu_count": os.cpu_count(),
                   "rows": rows}, handle, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
