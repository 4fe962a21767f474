"""Where does bf16 cost IntroGAN's generation quality?  A diagnostic of ``benchmarks/bf16_quality.py``'s finding.

    python benchmarks/bf16_float32_part.py --data_root ../shared/data                      # G in float32
    python benchmarks/bf16_float32_part.py --data_root ../shared/data --float32 discriminator
    python benchmarks/bf16_float32_part.py --datasets mnist --seeds 1993 --iters 5 --num_sessions 1 --skip_fid

Under ``--mixed_precision bf16`` every layer computes in bfloat16.  This reruns the bf16 cells of the quality
benchmark (Fashion-MNIST, class order 1, 5 x 500 iterations, FID with 2,000 samples per class) with one change
made from the outside: one network, the generator or the discriminator (``--float32``), is built under the
``float32`` policy and computes in float32, while the other keeps bf16 (the package has no such option; the patch
lives here).  Whichever change brings the FID back to the fp32 runs' level points at the network whose bf16
arithmetic costs the quality.

Runs go to ``--runs_dir/<dataset>/order_1_seed_<seed>/``, default ``result/bf16_<part>_fp32`` (resumable: a
finished run is kept, a partial one is continued).  Writes ``--out`` (JSON) with each run's TA-ACC, final
accuracy, mean FID, accuracy on generated samples and training time beside the fp32 and bf16 rows of
``--quality_json`` for the same (dataset, seed).
"""

import argparse
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from benchmarks.bf16_quality import read_complete, row  # noqa: E402


def build_in_float32(part: str):
    """Every IntroGAN generator (fresh or grown) or discriminator built under the float32 policy from now on."""
    from introgan_tf.methods.introgan import networks  # pylint: disable=import-outside-toplevel
    classes = {"generator": (networks.ConditionalGenerator, networks.ConditionalBNGenerator),
               "discriminator": (networks.EmbeddingDiscriminator,)}[part]
    for cls in classes:
        original = cls.__init__

        def init(self, *args, _original=original, **kwargs):
            previous = keras.config.dtype_policy()
            keras.config.set_dtype_policy("float32")
            try:
                _original(self, *args, **kwargs)
            finally:
                keras.config.set_dtype_policy(previous)
        cls.__init__ = init


def config_for(args, dataset, seed, result_dir):
    from absl import flags  # pylint: disable=import-outside-toplevel
    # Importing the flag modules defines main.py's flags.  pylint: disable=import-outside-toplevel,unused-import
    from flags import (baseline_flags, config_builder, data_flags, eval_flags,  # noqa: F401
                       experiment_flags, gan_memory_flags, growth_flags, introgan_flags, training_flags)
    argv = ["diagnostic", "--dataset", dataset, "--method", "introgan", "--order_idx", "1", "--seed", str(seed),
            "--iters", str(args.iters), "--fid_samples_per_class", str(args.fid_samples_per_class),
            "--mixed_precision", "bf16", "--result_dir", result_dir]
    if args.data_root:
        argv += ["--data_dir", os.path.join(args.data_root, dataset)]
    if args.num_sessions:
        argv += ["--num_sessions", str(args.num_sessions)]
    if args.skip_fid:
        argv.append("--skip_fid")
    if os.path.isfile(os.path.join(result_dir, "results.json")):
        argv.append("--resume")
    flags.FLAGS.unparse_flags()
    flags.FLAGS(argv)
    return config_builder.build_config(flags.FLAGS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["fashion-mnist"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1993, 1994])
    parser.add_argument("--iters", type=int, default=500)
    parser.add_argument("--num_sessions", type=int, default=None)
    parser.add_argument("--data_root", default=None, help="folder holding <dataset>/ IDX files")
    parser.add_argument("--skip_fid", action="store_true")
    parser.add_argument("--fid_samples_per_class", type=int, default=2000)
    parser.add_argument("--float32", choices=("generator", "discriminator"), default="generator",
                        help="the network built in float32; the other keeps bf16")
    parser.add_argument("--runs_dir", default=None, help="default: result/bf16_<part>_fp32")
    parser.add_argument("--quality_json", default=os.path.join(REPO, "benchmarks", "results",
                                                               "bf16_quality_cpu2.json"),
                        help="the quality benchmark's JSON, whose fp32 and bf16 rows are set beside these runs")
    parser.add_argument("--out", default=None, help="default: benchmarks/results/bf16_<part>_fp32_cpu2.json")
    args = parser.parse_args()
    args.runs_dir = args.runs_dir or os.path.join(REPO, "result", f"bf16_{args.float32}_fp32")
    args.out = args.out or os.path.join(REPO, "benchmarks", "results", f"bf16_{args.float32}_fp32_cpu2.json")
    if args.data_root and not os.path.isdir(args.data_root):
        parser.error(f"--data_root={args.data_root}: not a folder")
    from introgan_tf import experiment  # pylint: disable=import-outside-toplevel
    build_in_float32(args.float32)
    label = f"bf16, {'G' if args.float32 == 'generator' else 'D'} float32"
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            result_dir = os.path.join(args.runs_dir, dataset, f"order_1_seed_{seed}")
            data = read_complete(result_dir)
            if data is None:
                print(f"[bf16_float32_part] {dataset} seed {seed}: {label}, the rest bf16", flush=True)
                experiment.run(config_for(args, dataset, seed, result_dir))
                data = read_complete(result_dir)
            rows.append(row(data, dataset, label, seed, result_dir))
    earlier = []
    if os.path.isfile(args.quality_json):
        with open(args.quality_json) as handle:
            quality = json.load(handle)
        same = all(quality["args"].get(key) == getattr(args, key)
                   for key in ("iters", "num_sessions", "skip_fid", "fid_samples_per_class"))
        wanted = {(r["dataset"], r["seed"]) for r in rows}
        earlier = [r for r in quality["rows"] if same and (r["dataset"], r["seed"]) in wanted]
    table = sorted(earlier + rows, key=lambda r: (r["dataset"], r["seed"], r["mixed_precision"]))
    print("| dataset | seed | precision | TA-ACC (%) | final (%) | mean FID | generated acc. (%) | training min |")
    print("|---|---|---|---|---|---|---|---|")
    for r in table:
        fid = "-" if r["fid_mean"] is None else f"{r['fid_mean']:.0f}"
        gen = "-" if r["generated_accuracy_mean"] is None else f"{100 * r['generated_accuracy_mean']:.2f}"
        print(f"| {r['dataset']} | {r['seed']} | {r['mixed_precision']} | {100 * r['ta_acc']:.2f} | "
              f"{100 * r['final_accuracy']:.2f} | {fid} | {gen} | {r['train_seconds'] / 60:.1f} |")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump({"args": {k: v for k, v in vars(args).items() if k != "out"}, "rows": rows,
                   "quality_rows": earlier}, handle, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
