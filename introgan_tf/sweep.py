"""The paper's protocol: one method over several class orders and seeds, then mean ± std.

    python -m introgan_tf.sweep --method introgan --dataset mnist --orders 1-5 --seeds 1993 \\
        --out result/sweeps -- --iters 500 --data_dir ../shared/data/mnist
    python -m introgan_tf.sweep ... --shard 1/2        # this machine runs every second (order, seed)
    python -m introgan_tf.sweep ... --report_only      # summarise what has finished

Every (order, seed) runs ``main.py`` into ``<out>/<method>_<dataset>/order_<k>_seed_<s>/`` with the training
flags after ``--`` passed through unchanged.  A finished run is skipped, an interrupted one resumed
(``--resume``), ``--jobs K`` runs K processes at once, and ``--shard i/n`` takes the runs i, i+n, i+2n, ... of the
sorted list, so that n machines split one sweep and each writes its own runs.  The report
(``<out>/<method>_<dataset>/report/``) has mean ± std over the finished runs of TA-ACC, the final accuracy, TA-FID
and the accuracy on generated samples after the last session; the end-of-session accuracy and generated
accuracy per session with error bands (``sessions.png``); and the generated accuracy of every class after every
session, by the session that introduced the class (``generated_per_class.png``), so that old classes collapsing
onto the newest one show.  The flags of this utility are its own (argparse), not part of flags/.
"""

import argparse
import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Sequence

import numpy as np

from introgan_tf.errors import InputError
from introgan_tf.results import atomic_write_text, read_results

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_range(text: str) -> List[int]:
    """"1-5" or "1,3,5" (or a mix) -> sorted distinct ints."""
    values = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            values.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise InputError(f"--orders {text!r}: expected numbers and ranges such as 1-5 or 1,3") from None
    return sorted(values)


def parse_shard(text: Optional[str]):
    if not text:
        return 1, 1
    try:
        index, count = (int(v) for v in text.split("/"))
    except ValueError:
        raise InputError(f"--shard {text!r}: expected i/n, e.g. 1/2") from None
    if not 1 <= index <= count:
        raise InputError(f"--shard {text!r}: expected 1 <= i <= n")
    return index, count


def sweep_dir(out: str, method: str, dataset: str) -> str:
    return os.path.join(out, f"{method}_{dataset}")


def run_dir(out: str, method: str, dataset: str, order: int, seed: int) -> str:
    return os.path.join(sweep_dir(out, method, dataset), f"order_{order}_seed_{seed}")


def status(directory: str) -> str:
    """"complete", "partial" (resumable) or "new"."""
    path = os.path.join(directory, "results.json")
    if not os.path.isfile(path):
        return "new"
    return "complete" if read_results(path).get("complete") else "partial"


def command(method, dataset, order, seed, directory, passthrough, resume: bool) -> List[str]:
    args = [sys.executable, os.path.join(REPO, "main.py"), "--method", method, "--dataset", dataset,
            "--order_idx", str(order), "--seed", str(seed), "--result_dir", directory, *passthrough]
    return args + (["--resume"] if resume else [])


def run_all(runs, passthrough, jobs: int) -> List[str]:
    """Runs (method, dataset, order, seed, directory) tuples; returns the failures as one line each."""
    def one(item):
        method, dataset, order, seed, directory = item
        state = status(directory)
        if state == "complete":
            print(f"[sweep] order {order} seed {seed}: complete, skipped", flush=True)
            return None
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "sweep.log"), "a") as log:
            print(f"[sweep] order {order} seed {seed}: {'resuming' if state == 'partial' else 'starting'}", flush=True)
            done = subprocess.run(command(method, dataset, order, seed, directory, passthrough, state == "partial"),
                                  cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        if done.returncode:
            return f"order {order} seed {seed}: exit {done.returncode}, see {directory}/sweep.log"
        print(f"[sweep] order {order} seed {seed}: done", flush=True)
        return None

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [failure for failure in pool.map(one, runs) if failure]


def _number(value) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value) else None


def mean_std(values) -> dict:
    values = [v for v in (_number(v) for v in values) if v is not None]
    if not values:
        return {"mean": None, "std": None, "n": 0}
    return {"mean": float(np.mean(values)), "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "n": len(values)}


def summarize(results: Sequence[dict]) -> dict:
    """Mean ± std over finished runs; per-session curves; per-class generated accuracy by introducing session."""
    summary = {"runs": len(results),
               "ta_acc": mean_std(r.get("ta_acc") for r in results),
               "final_accuracy": mean_std(r["sessions"][-1].get("accuracy") for r in results),
               "ta_fid": mean_std(r.get("ta_fid") for r in results),
               "generated_accuracy": mean_std(r["sessions"][-1].get("generated_accuracy_mean") for r in results)}
    num_sessions = min(len(r["sessions"]) for r in results)
    summary["per_session"] = [
        {"session": s + 1,
         "accuracy": mean_std(r["sessions"][s].get("accuracy") for r in results),
         "generated_accuracy": mean_std(r["sessions"][s].get("generated_accuracy_mean") for r in results),
         "fid_mean": mean_std(r["sessions"][s].get("fid_mean") for r in results)}
        for s in range(num_sessions)]
    # generated_per_class[s][k]: mean over runs and over the classes introduced in session k+1, after session s+1.
    table = []
    for s in range(num_sessions):
        row = []
        for k in range(s + 1):
            values = []
            for r in results:
                per_class = r["sessions"][s].get("generated_accuracy") or {}
                values += [per_class.get(str(c)) for c in r["sessions"][k]["new_classes"]]
            row.append(mean_std(values)["mean"])
        table.append(row)
    summary["generated_per_class_by_task"] = table
    return summary


def _fmt(stat: dict, percent: bool = True) -> str:
    if stat["mean"] is None:
        return "—"
    scale = 100 if percent else 1
    return f"{scale * stat['mean']:.2f} ± {scale * stat['std']:.2f}"


def write_report(directory: str, results: Sequence[dict], names: Sequence[str]) -> str:
    """report.md, sessions.png, generated_per_class.png and summary.json under ``directory/report``."""
    from introgan_tf.report import _pyplot  # pylint: disable=import-outside-toplevel
    summary = summarize(results)
    out = os.path.join(directory, "report")
    os.makedirs(out, exist_ok=True)
    lines = [f"# Sweep: {results[0]['method']} on {results[0]['dataset']}", "",
             f"{summary['runs']} finished runs ({', '.join(names)}); accuracies in %, mean ± std (ddof 1).", "",
             "| TA-ACC | final accuracy | TA-FID | accuracy on generated samples, last session |",
             "|---|---|---|---|",
             f"| {_fmt(summary['ta_acc'])} | {_fmt(summary['final_accuracy'])} | "
             f"{_fmt(summary['ta_fid'], percent=False)} | {_fmt(summary['generated_accuracy'])} |", "",
             "| session | accuracy | accuracy on generated samples | mean FID |", "|---|---|---|---|"]
    lines += [f"| {p['session']} | {_fmt(p['accuracy'])} | {_fmt(p['generated_accuracy'])} | "
              f"{_fmt(p['fid_mean'], percent=False)} |" for p in summary["per_session"]]
    lines += ["", "Accuracy on generated samples after session s (rows) of the classes introduced in session k "
              "(columns), in %:", "", "| after | " + " | ".join(f"task {k + 1}" for k in range(
                  len(summary["per_session"]))) + " |", "|---|" + "---|" * len(summary["per_session"])]
    for s, row in enumerate(summary["generated_per_class_by_task"]):
        cells = [f"{100 * v:.1f}" if v is not None else "—" for v in row]
        cells += [""] * (len(summary["per_session"]) - len(cells))
        lines.append(f"| session {s + 1} | " + " | ".join(cells) + " |")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    sessions = [p["session"] for p in summary["per_session"]]
    for key, label in (("accuracy", "accuracy on seen classes"), ("generated_accuracy", "accuracy on generated")):
        means = np.array([p[key]["mean"] if p[key]["mean"] is not None else np.nan for p in summary["per_session"]])
        stds = np.array([p[key]["std"] or 0.0 for p in summary["per_session"]])
        if np.isfinite(means).any():
            ax.plot(sessions, 100 * means, marker="o", label=label)
            ax.fill_between(sessions, 100 * (means - stds), 100 * (means + stds), alpha=0.2)
    ax.set_xlabel("session")
    ax.set_xticks(sessions)  # sessions are whole numbers: no 1.5 ticks
    ax.set_ylabel("%, mean ± std over runs")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "sessions.png"), dpi=100)
    plt.close(fig)
    grid = np.full((len(sessions), len(sessions)), np.nan)
    for s, row in enumerate(summary["generated_per_class_by_task"]):
        grid[s, :len(row)] = [np.nan if v is None else 100 * v for v in row]
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    image = ax.imshow(grid, vmin=0, vmax=100, cmap="viridis")
    ax.set_xticks(range(len(sessions)), [f"task {k}" for k in sessions])
    ax.set_yticks(range(len(sessions)), [f"after {s}" for s in sessions])
    fig.colorbar(image, ax=ax, label="accuracy on generated samples (%)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "generated_per_class.png"), dpi=100)
    plt.close(fig)
    lines += ["", "![sessions](sessions.png)", "", "![generated per class](generated_per_class.png)", ""]
    atomic_write_text(os.path.join(out, "summary.json"), json.dumps(dict(summary, runs_included=list(names)),
                                                                    indent=1) + "\n")
    atomic_write_text(os.path.join(out, "report.md"), "\n".join(lines))
    return os.path.join(out, "report.md")


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m introgan_tf.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--method", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--orders", default="1-5", help="class orders, e.g. 1-5 or 1,3")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1993])
    parser.add_argument("--out", default=os.path.join("result", "sweeps"))
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (each uses every core it is given)")
    parser.add_argument("--shard", default=None, help="i/n: run every n-th (order, seed), starting at the i-th")
    parser.add_argument("--report_only", action="store_true", help="summarise finished runs, run nothing")
    args = parser.parse_args(own)
    try:
        if args.jobs < 1:
            raise InputError(f"--jobs={args.jobs}: must be >= 1")
        index, count = parse_shard(args.shard)
        pairs = [(order, seed) for order in parse_range(args.orders) for seed in sorted(set(args.seeds))]
        runs = [(args.method, args.dataset, order, seed, run_dir(args.out, args.method, args.dataset, order, seed))
                for order, seed in pairs][index - 1::count]
        failures = [] if args.report_only else run_all(runs, passthrough, args.jobs)
        finished = []  # every shard's finished runs: the report covers the whole sweep
        for order, seed in pairs:
            directory = run_dir(args.out, args.method, args.dataset, order, seed)
            if status(directory) == "complete":
                finished.append((os.path.basename(directory), read_results(os.path.join(directory, "results.json"))))
        if finished:
            names, results = zip(*finished)
            print(write_report(sweep_dir(args.out, args.method, args.dataset), results, names))
        for failure in failures:
            print(f"error: {failure}", file=sys.stderr)
        return 1 if failures else 0
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
