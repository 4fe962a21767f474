"""Learning check of the colour networks on real pixels: each method's 32x32x3 networks, trained on MNIST
rendered as 32x32x3 (``--dataset mnist-rgb32``: the real IDX files, padded 28 -> 32 and copied into R, G, B;
docs/datasets.md), session 1 only, then the session's test accuracy.

    python benchmarks/learning_check_rgb.py --data_dir ../shared/data/mnist --iters 100
    python benchmarks/learning_check_rgb.py --data_dir ../shared/data/mnist --only introgan lower_bound --nb_cl 10

Session 1 holds ``--nb_cl`` classes (default 10: every class, chance = 10%); every method keeps its own
published batch size, optimiser and loss, at its own network width, and trains ``--iters`` iterations (DGR and
DGR-ig: ``--gan_iters`` generator iterations, then ``--iters`` solver iterations, since their accuracy is the
solver's).  Accuracy is measured once, at the end, on the 10,000 test images of the session's classes.  The
generation metrics are off: they need a domain classifier of the 32x32x3 shape (``precalc_fid --dataset
mnist-rgb32`` builds one), and this check is about whether the networks learn.  The figures, with the machine and
the wall time, go to ``benchmarks/results/learning_check_rgb_<nb_cl>cl_<iters>.json``.
"""

import argparse
import json
import os
import platform
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

METHODS = ("introgan", "mergan_ig", "dgr_ig", "lower_bound", "upper_bound", "mergan", "dgr", "acgan")


def run_one(method, args, out_dir):
    from introgan_tf import experiment
    from introgan_tf.config import EvalConfig, ExperimentConfig, TrainConfig, DGRConfig

    train = dict(iters=args.iters, test_interval=args.iters, save_interval=10 ** 9, sample_interval=10 ** 9)
    dgr = DGRConfig()
    if method in ("dgr", "dgr_ig"):
        train["iters"] = args.gan_iters + args.iters
        train["test_interval"] = train["iters"]
        dgr = DGRConfig(generator_iterations=args.gan_iters, solver_iterations=args.iters)
    config = ExperimentConfig(dataset="mnist-rgb32", method=method, data_dir=args.data_dir, result_dir=out_dir,
                              nb_cl=args.nb_cl, num_sessions=1, seed=args.seed, train=TrainConfig(**train), dgr=dgr,
                              eval=EvalConfig(skip_fid=True))
    started = time.time()
    data = experiment.run(config)
    return {"accuracy": data["sessions"][0]["accuracy"], "iters": train["iters"],
            "seconds": round(time.time() - started, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data_dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                                           "mnist"))
    parser.add_argument("--iters", type=int, default=100)
    parser.add_argument("--gan_iters", type=int, default=10, help="DGR / DGR-ig generator iterations before the solver")
    parser.add_argument("--nb_cl", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=list(METHODS))
    parser.add_argument("--out", default="/tmp/learning_check_rgb")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    from introgan_tf.data.scenario import ClassIncrementalScenario
    ClassIncrementalScenario.generation_metrics_apply = False  # accuracy only (see the module docstring)

    rows = {}
    for method in args.only:
        out_dir = os.path.join(args.out, method)
        shutil.rmtree(out_dir, ignore_errors=True)
        rows[method] = run_one(method, args, out_dir)
        print(f"[learning_check_rgb] {method}: session-1 accuracy {rows[method]['accuracy']:.4f} after "
              f"{rows[method]['iters']} iterations ({rows[method]['seconds']} s)", flush=True)
    summary = {"dataset": "mnist-rgb32", "nb_cl": args.nb_cl, "chance": 1.0 / args.nb_cl, "seed": args.seed,
               "iters": args.iters, "gan_iters": args.gan_iters, "machine": f"{platform.machine()}, "
               f"{os.cpu_count()} CPUs", "methods": rows}
    path = args.json or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                     f"learning_check_rgb_{args.nb_cl}cl_{args.iters}.json")
    with open(path, "w") as handle:
        json.dump(summary, handle, indent=2)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
