"""Does bf16 cost quality?  IntroGAN at 5 x 500 iterations on MNIST and Fashion-MNIST, fp32 vs bf16, two seeds
each: TA-ACC, final accuracy, mean FID and accuracy on generated samples side by side (issue 12, deliverable 1).

    python benchmarks/bf16_quality.py --data_root ../shared/data            # the full benchmark (hours on CPU)
    python benchmarks/bf16_quality.py --iters 5 --num_sessions 1 --datasets mnist --seeds 1 --skip_fid  # smoke

Writes benchmarks/results/bf16_quality.json (one row per run, then the table).
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from introgan_tf import experiment  # noqa: E402
from introgan_tf.config import EvalConfig, ExperimentConfig, TrainConfig  # noqa: E402


def one_run(dataset, precision, seed, args):
    result_dir = tempfile.mkdtemp(prefix=f"bf16_quality_{dataset}_{precision}_{seed}_")
    data_dir = os.path.join(args.data_root, dataset) if args.data_root else None
    config = ExperimentConfig(
        dataset=dataset, method="introgan", result_dir=result_dir, data_dir=data_dir, seed=seed,
        num_sessions=args.num_sessions,
        train=TrainConfig(iters=args.iters, test_interval=args.iters, save_interval=args.iters,
                          sample_interval=args.iters, mixed_precision=precision),
        eval=EvalConfig(skip_fid=args.skip_fid, fid_samples_per_class=args.fid_samples_per_class))
    data = experiment.run(config)
    last = data["sessions"][-1]
    return {"dataset": dataset, "mixed_precision": precision, "seed": seed, "ta_acc": data["ta_acc"],
            "final_accuracy": last["accuracy"], "fid_mean": last.get("fid_mean"),
            "generated_accuracy_mean": last.get("generated_accuracy_mean"), "result_dir": result_dir}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1993, 1994])
    parser.add_argument("--iters", type=int, default=500)
    parser.add_argument("--num_sessions", type=int, default=None)
    parser.add_argument("--data_root", default=None, help="folder holding <dataset>/ IDX files")
    parser.add_argument("--skip_fid", action="store_true")
    parser.add_argument("--fid_samples_per_class", type=int, default=10000)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                      "bf16_quality.json"))
    args = parser.parse_args()
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            for precision in ("off", "bf16"):  # alternating, so machine noise hits both alike
                rows.append(one_run(dataset, precision, seed, args))
    print(f"{'dataset':14s} {'precision':9s} {'seed':>5s} {'TA-ACC':>7s} {'final':>7s} {'FID':>8s} {'gen acc':>8s}")
    for r in rows:
        fid = "-" if r["fid_mean"] is None else f"{r['fid_mean']:.2f}"
        gen = "-" if r["generated_accuracy_mean"] is None else f"{r['generated_accuracy_mean']:.4f}"
        print(f"{r['dataset']:14s} {r['mixed_precision']:9s} {r['seed']:5d} {r['ta_acc']:7.4f} "
              f"{r['final_accuracy']:7.4f} {fid:>8s} {gen:>8s}")
    with open(args.out, "w") as handle:
        json.dump({"args": vars(args), "rows": rows}, handle, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
