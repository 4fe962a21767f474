"""Fingerprint of seeded tiny runs of every method, to prove that a restructuring changed no number.

    python benchmarks/equivalence.py --out before.json [--repo OTHER_CHECKOUT] [--only introgan dgr]
    python benchmarks/equivalence.py --compare before.json after.json

Each variant runs ``main.py`` (of ``--repo``, default this checkout) for 2 sessions of a few iterations on the
real MNIST files, seed 1993, ``--skip_fid``.  The fingerprint keeps every number of ``results.json`` except
timings and paths (accuracies, prefix accuracies, generated accuracies, most-confused maps, ...) and every
``loss/*`` scalar that TensorBoard logged, at every step.  ``--compare`` prints the differences (none is the
goal) and exits 1 if there are any.
"""

import argparse
import glob
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist")

TINY = ["--num_sessions", "2", "--iters", "6", "--test_interval", "3", "--save_interval", "3",
        "--sample_interval", "3", "--skip_fid", "--fid_samples_per_class", "40", "--seed", "1993"]
SMALL_BATCH = ["--batch_size", "16"]
GAN_MEMORY = ["--source_checkpoint", "random:0", "--gan_memory_width", "8", "--gm_gan_iterations", "4",
              "--gm_classifier_iterations", "2"]
VARIANTS = {
    "introgan": ["--method", "introgan", "--proto_num", "4", "--replay_per_class", "30", *SMALL_BATCH],
    "introgan_wgan": ["--method", "introgan", "--proto_num", "4", "--replay_per_class", "30", "--mode", "wgan-gp",
                      "--critic_iters", "2", "--rigorous", "mean", "--anti_imbalance", "reweight", *SMALL_BATCH],
    "mergan_ig": ["--method", "mergan_ig", "--replay_per_class", "30", "--diversity_promoting_weight", "0.1",
                  *SMALL_BATCH],
    "mergan_ra": ["--method", "mergan", "--nb_cl", "2", "--critic_iters", "2", *SMALL_BATCH],
    "mergan_jtr": ["--method", "mergan", "--nb_cl", "2", "--mergan_mode", "jtr", "--critic_iters", "2", *SMALL_BATCH],
    "mergan_joint": ["--method", "mergan", "--nb_cl", "2", "--mergan_mode", "joint", "--critic_iters", "2",
                     *SMALL_BATCH],
    "acgan": ["--method", "acgan", *SMALL_BATCH],
    "acgan_joint": ["--method", "acgan", "--joint", *SMALL_BATCH],
    "dgr": ["--method", "dgr", "--critic_iters", "2", *SMALL_BATCH],
    "dgr_exact": ["--method", "dgr", "--replay_mode", "exact-replay", "--critic_iters", "2", *SMALL_BATCH],
    "dgr_permuted": ["--method", "dgr", "--experiment", "permutated-mnist", "--mnist_permutation_number", "2",
                     "--critic_iters", "2", *SMALL_BATCH],
    "gan_memory": ["--method", "gan_memory", "--source_checkpoint", "random:3", "--gan_memory_width", "16",
                   "--gm_gan_iterations", "4", "--gm_classifier_iterations", "2", *SMALL_BATCH],
    "gan_memory_source": ["--method", "gan_memory_source", "--gan_memory_width", "16", "--num_sessions", "1",
                          *SMALL_BATCH],
    "lower_bound": ["--method", "lower_bound", *SMALL_BATCH],
    "upper_bound": ["--method", "upper_bound", *SMALL_BATCH],
    # GAN Memory on a seeded random source at width 8 (its own batch 16): 4 GAN + 2 classifier iterations per task.
    "gan_memory": ["--method", "gan_memory", *GAN_MEMORY],
    "gan_memory_lowrank": ["--method", "gan_memory", *GAN_MEMORY, "--gm_lowrank", "--gm_lowrank_energy", "0.9",
                           "--gm_lowrank_every", "2"],
    "gan_memory_source": ["--method", "gan_memory_source", "--gan_memory_width", "8", "--nb_cl", "5"],
}
DROPPED_KEYS = {"timing", "seconds", "config", "result_dir", "source_run", "source_dir"}


def strip(value):
    """results.json without timings and paths (what may differ between two identical runs)."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in DROPPED_KEYS}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def tensorboard_losses(result_dir: str) -> dict:
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    losses = {}
    for path in sorted(glob.glob(os.path.join(result_dir, "tensorboard", "events.out.tfevents.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag.startswith("loss/"):
                    number = float(tf.make_ndarray(value.tensor)) if value.HasField("tensor") else value.simple_value
                    losses.setdefault(value.tag, {})[str(event.step)] = number
    return losses


# TensorFlow's CPU kernels are not all deterministic (DGR's large convolutions and double back-propagation differ
# by ~1e-6 between two runs of the same code); these make every op deterministic, at some speed.
DETERMINISTIC_ENV = {"TF_DETERMINISTIC_OPS": "1", "TF_ENABLE_ONEDNN_OPTS": "0"}


def run_variant(name: str, repo: str, data_dir: str, work: str, deterministic: bool = False) -> dict:
    result_dir = os.path.join(work, name)
    command = [sys.executable, "main.py", "--dataset", "mnist", "--data_dir", data_dir, "--result_dir", result_dir,
               *TINY, *VARIANTS[name]]
    started = time.time()
    env = dict(os.environ, **(DETERMINISTIC_ENV if deterministic else {}))
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    with open(os.path.join(result_dir, "results.json")) as handle:
        results = json.load(handle)
    print(f"{name}: TA-ACC {results['ta_acc']:.6f} ({time.time() - started:.0f} s)", flush=True)
    return {"results": strip(results), "losses": tensorboard_losses(result_dir)}


def differences(a, b, path=""):
    """Paths where two fingerprints differ (NaN equals NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = [f"{path}/{k}: only in {'first' if k in a else 'second'}" for k in sorted(set(a) ^ set(b))]
        for key in sorted(set(a) & set(b)):
            found += differences(a[key], b[key], f"{path}/{key}")
        return found
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} entries"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return []
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="fingerprint JSON to write")
    parser.add_argument("--repo", default=REPO, help="checkout whose main.py runs (default: this one)")
    parser.add_argument("--data_dir", default=DEFAULT_DATA, help="directory of the real MNIST IDX files")
    parser.add_argument("--work", default=os.path.join(REPO, "benchmarks", "out", "equivalence"))
    parser.add_argument("--only", nargs="*", choices=sorted(VARIANTS), help="run only these variants")
    parser.add_argument("--deterministic", action="store_true",
                        help="run with deterministic TensorFlow kernels (%s)" % " ".join(
                            f"{k}={v}" for k, v in DETERMINISTIC_ENV.items()))
    parser.add_argument("--compare", nargs=2, metavar=("FIRST", "SECOND"), help="compare two fingerprints")
    args = parser.parse_args()
    if args.compare:
        first, second = (json.load(open(path)) for path in args.compare)
        compared = sorted(set(first) & set(second))
        found = [d for name in compared for d in differences(first[name], second[name], name)]
        missing = sorted(set(first) ^ set(second))
        print(f"{len(compared)} variants compared ({', '.join(compared)}): {len(found)} differences"
              + (f"; in one file only: {', '.join(missing)}" if missing else ""))
        for line in found[:200]:
            print("  " + line)
        return 1 if found else 0
    if not args.out:
        parser.error("--out is required unless --compare is given")
    work = os.path.join(args.work, os.path.basename(args.out).replace(".json", ""))
    if os.path.exists(work):
        raise SystemExit(f"{work} exists; remove it or choose another --out")
    fingerprint = {name: run_variant(name, args.repo, args.data_dir, work, args.deterministic)
                   for name in (args.only or VARIANTS)}
    with open(args.out, "w") as handle:
        json.dump(fingerprint, handle, indent=1, sort_keys=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
