"""IntroGAN at the 500-iterations-per-session budget on real MNIST and Fashion-MNIST.

    python benchmarks/introgan_budget.py                       # both datasets, 5 sessions x 500 iterations
    python benchmarks/introgan_budget.py --datasets mnist --iters 500 --out benchmarks/out

Runs the real experiment loop (main.py's code path, original defaults otherwise:
batch 100, class order 1, seed 1993, 6000 replay images per old class) and
prints / saves as JSON: TA-ACC, the end-of-session accuracies, iterations per
second, seconds spent in training / replay generation / evaluation, and peak RSS
per session.  The original's result paths and defaults table suggest the paper
used 500 iterations for these datasets (docs/benchmarks.md).
"""

import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from introgan_tf import experiment  # noqa: E402
from introgan_tf.config import EvalConfig, ExperimentConfig, TrainConfig  # noqa: E402

DEFAULT_DATA = os.environ.get("INTROGAN_DATA_DIR",
                              os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))


def run_dataset(dataset, args):
    result_dir = os.path.join(args.out, f"introgan_{dataset}_iters{args.iters}")
    shutil.rmtree(result_dir, ignore_errors=True)
    config = ExperimentConfig(
        dataset=dataset, method="introgan", result_dir=result_dir, data_dir=os.path.join(args.data_root, dataset),
        order_idx=args.order_idx, seed=args.seed,
        train=TrainConfig(iters=args.iters, test_interval=min(500, args.iters), save_interval=args.iters,
                          sample_interval=args.iters, jit_compile=args.jit_compile),
        eval=EvalConfig(skip_fid=not args.with_fid, fid_samples_per_class=args.fid_samples_per_class))
    started = time.time()
    results = experiment.run(config)
    sessions = results["sessions"]
    summary = {
        "dataset": dataset, "iters_per_session": args.iters, "order_idx": args.order_idx, "seed": args.seed,
        "ta_acc": results["ta_acc"],
        "end_of_session_accuracy": [s["accuracy"] for s in sessions],
        "final_accuracy": sessions[-1]["accuracy"],
        "wall_seconds": time.time() - started,
        "per_session": [dict(index=s["index"], seen=len(s["seen_classes"]), **s["timing"]) for s in sessions],
        "result_dir": result_dir,
    }
    for key in ("ta_fid", "fid_extractor"):
        if key in results:
            summary[key] = results[key]
    return summary


def print_summary(summary):
    print(f"\n== {summary['dataset']}: TA-ACC {summary['ta_acc']:.4f}, final {summary['final_accuracy']:.4f}, "
          f"wall {summary['wall_seconds'] / 60:.1f} min")
    print("session seen  acc     it/s  steady  train_s replay_s eval_s  setup_s peak_rss_mb")
    for s, acc in zip(summary["per_session"], summary["end_of_session_accuracy"]):
        print(f"{s['index']:7d} {s['seen']:4d}  {acc:.4f}  {s['iterations_per_second']:.2f}  "
              f"{(s.get('steady_iterations_per_second') or float('nan')):.2f}    {s['training_seconds']:7.1f} "
              f"{s.get('replay_seconds', 0.0):8.1f} {s['evaluation_seconds']:6.1f} {s['setup_seconds'] or 0:8.1f} "
              f"{s['peak_rss_mb']:11.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--iters", type=int, default=500)
    parser.add_argument("--order_idx", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1993)
    parser.add_argument("--jit_compile", default="auto", choices=["auto", "true", "false"])
    parser.add_argument("--with_fid", action="store_true", help="also compute per-class FID (slower)")
    parser.add_argument("--fid_samples_per_class", type=int, default=10000)
    parser.add_argument("--data_root", default=DEFAULT_DATA, help="folder holding mnist/ and fashion-mnist/")
    parser.add_argument("--out", default=os.path.join("benchmarks", "out"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    summaries = []
    for dataset in args.datasets:
        summaries.append(run_dataset(dataset, args))
        print_summary(summaries[-1])
        path = os.path.join(args.out, f"introgan_budget_{'_'.join(args.datasets)}_iters{args.iters}.json")
        with open(path, "w") as handle:
            json.dump(summaries, handle, indent=2)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
