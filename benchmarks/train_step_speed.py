"""Speed of IntroGAN's training iteration inside ``fit`` (with the tf.data pipeline): XLA, precision, old vs new.

    python benchmarks/train_step_speed.py                                  # 2 and 10 seen classes, fp32, XLA off/on
    python benchmarks/train_step_speed.py --jit false --precisions off bf16 --rounds 3
    python benchmarks/train_step_speed.py --jit false --precisions off bf16 --rounds 3 --baseline_repo /tmp/old
    python benchmarks/train_step_speed.py --jit false --precisions off bf16 --rounds 2 \
        --compare_env TF_ONEDNN_USE_SYSTEM_ALLOCATOR=1 MALLOC_MMAP_THRESHOLD_=1048576

One iteration = one G step + one D step over batch 100 plus C*20 prototypes.  Each measurement runs in its own
process (a fresh TensorFlow, so the dtype policy and the memory of one cannot leak into the next) and reports
steady-state iterations per second after ``--warmup`` steps.  The machine these run on is shared and noisy, so
``--rounds R`` repeats the whole grid R times, alternating the order of its cells, and reports the median of
each cell; ``--baseline_repo DIR`` adds, in every round, the fp32 cells measured by DIR's own copy of this script
(a checkout of an older commit), so that "fp32 not slower than before" is an old-vs-new comparison in one run;
``--compare_env KEY=VALUE [KEY=VALUE ...]`` adds, in every round, every cell of this code run with those environment
variables set together (code ``env`` in the output), e.g. TensorFlow's oneDNN allocator switch and glibc's mmap
threshold.

The speed targets of the scale work (2-core CPU, batch 100, XLA off): bf16 >= 4.0 it/s at 2 seen classes and
>= 2.8 at 10; fp32 not slower than the baseline.  The script prints each target's outcome; it never fails on one.
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
TARGETS = {("bf16", 2): 4.0, ("bf16", 10): 2.8}  # it/s, XLA off, 2-core CPU


def measure(num_classes, jit, steps, warmup, precision="off", batch_size=100, proto_num=20):
    """Iterations per second of one freshly built IntroGAN model inside ``fit`` (in this process)."""
    sys.path.insert(0, REPO)
    import keras
    import numpy as np
    import tensorflow as tf

    from introgan_tf import runtime
    from introgan_tf.config import IntroGANConfig, TrainConfig
    from introgan_tf.data.pipeline import make_train_dataset
    from introgan_tf.methods.introgan.model import IntroGANModel
    from introgan_tf.methods.introgan.networks import ConditionalGenerator, EmbeddingDiscriminator

    class Timer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.start, self.end = None, None

        def on_train_batch_end(self, batch, logs=None):
            if batch + 1 == warmup:
                self.start = time.perf_counter()
            self.end = time.perf_counter()

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12000, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, num_classes, 12000)
    prototypes = rng.integers(0, 256, (num_classes * proto_num, 28, 28, 1), dtype=np.uint8)
    # As a run builds them (introgan_tf/experiment.py): under the precision's dtype policy, optimisers wrapped.
    with runtime.run_scope(precision, tf.distribute.get_strategy()):
        model = IntroGANModel(ConditionalGenerator(num_classes), EmbeddingDiscriminator(), prototypes, num_classes,
                              IntroGANConfig(proto_num=proto_num),
                              TrainConfig(batch_size=batch_size, critic_iters=1, mode="dcgan", mixed_precision=precision),
                              seed=0)
        optimizer = lambda: runtime.wrap_optimizer(keras.optimizers.Adam(2e-4, 0.5, 0.999, 1e-8), precision)
        model.compile(d_optimizer=optimizer(), g_optimizer=optimizer(), jit_compile=jit)
        timer = Timer()
        model.fit(make_train_dataset(images, labels, batch_size, seed=0), steps_per_epoch=warmup + steps, epochs=1,
                  callbacks=[timer], verbose=0)
    return steps / (timer.end - timer.start)


def run_cell(cell, args):
    """One measurement in a child process: this script's (``code`` new) or the baseline's own copy (``old``)."""
    code, precision, jit, num_classes = cell
    steps = args.xla_steps if jit == "true" else args.steps
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cell.json")
        if code in ("new", "env"):
            command = [sys.executable, os.path.abspath(__file__), "--one", precision, jit, str(num_classes),
                       "--steps", str(steps), "--warmup", str(args.warmup), "--out", out]
            cwd = REPO
        else:  # the baseline's script: its interface is --classes --jit --steps --warmup --out, fp32 only
            command = [sys.executable, os.path.join(args.baseline_repo, "benchmarks", "train_step_speed.py"),
                       "--classes", str(num_classes), "--jit", jit, "--steps", str(steps), "--xla_steps", str(steps),
                       "--warmup", str(args.warmup), "--out", out]
            cwd = args.baseline_repo
        env = dict(os.environ, PYTHONPATH=cwd, TF_CPP_MIN_LOG_LEVEL="2")
        if code == "env":
            env.update(setting.split("=", 1) for setting in args.compare_env)
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"train_step_speed: the {code} measurement {cell} failed:\n{done.stderr[-2000:]}")
        with open(out) as handle:
            rows = json.load(handle)
    return rows[0]["iterations_per_second"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, nargs="+", default=[2, 10])
    parser.add_argument("--jit", nargs="+", default=["false", "true"], choices=["false", "true"])
    parser.add_argument("--precisions", nargs="+", default=["off"], choices=["off", "bf16", "fp16"])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--xla_steps", type=int, default=30, help="steps when XLA is on (slow on CPU)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the grid, alternating; report medians")
    parser.add_argument("--baseline_repo", help="a checkout of an older commit: its fp32 cells in every round")
    parser.add_argument("--compare_env", metavar="KEY=VALUE", nargs="+",
                        help="also run every cell of this code with these environment variables (code 'env')")
    parser.add_argument("--one", nargs=3, metavar=("PRECISION", "JIT", "CLASSES"), help=argparse.SUPPRESS)
    parser.add_argument("--out", default=os.path.join("benchmarks", "out", "train_step_speed.json"))
    args = parser.parse_args()
    if args.baseline_repo and not os.path.isfile(os.path.join(args.baseline_repo, "benchmarks",
                                                              "train_step_speed.py")):
        parser.error(f"--baseline_repo={args.baseline_repo}: expected a checkout holding "
                     f"benchmarks/train_step_speed.py")
    for setting in args.compare_env or []:
        if "=" not in setting or setting.startswith("="):
            parser.error(f"--compare_env {setting}: expected KEY=VALUE")
    compare_env = " ".join(args.compare_env or []) or None  # one string, as the JSON has always held it
    if args.one:  # a child: one cell, in this process
        precision, jit, num_classes = args.one[0], args.one[1] == "true", int(args.one[2])
        speed = measure(num_classes, jit, args.steps, args.warmup, precision)
        with open(args.out, "w") as handle:
            json.dump([{"iterations_per_second": speed}], handle)
        return

    import tensorflow as tf
    device = "GPU" if tf.config.list_physical_devices("GPU") else f"CPU ({os.cpu_count()} cores)"
    cells = [("new", p, j, c) for p in args.precisions for j in args.jit for c in args.classes]
    if args.baseline_repo:
        cells += [("old", "off", j, c) for j in args.jit for c in args.classes]
    if args.compare_env:
        cells += [("env", p, j, c) for p in args.precisions for j in args.jit for c in args.classes]
    speeds = {cell: [] for cell in cells}
    for round_index in range(args.rounds):
        order = cells if round_index % 2 == 0 else cells[::-1]  # alternate so that drift hits every cell alike
        for cell in order:
            speeds[cell].append(run_cell(cell, args))
            print(f"round {round_index + 1}: {cell[0]:3s} {cell[1]:4s} jit={cell[2]:5s} {cell[3]:2d} classes: "
                  f"{speeds[cell][-1]:.2f} it/s", flush=True)
    rows = []
    for (code, precision, jit, num_classes), values in speeds.items():
        rows.append({"device": device, "code": code, "precision": precision, "seen_classes": num_classes,
                     "jit_compile": jit == "true", "steps": args.xla_steps if jit == "true" else args.steps,
                     "rounds": values, "iterations_per_second": statistics.median(values)})
    print(f"\n{device}, median of {args.rounds} round(s):")
    for row in rows:
        print(f"  {row['code']:3s} {row['precision']:4s} jit={str(row['jit_compile']):5s} {row['seen_classes']:2d} "
              f"classes: {row['iterations_per_second']:.2f} it/s")
    median = {(r["code"], r["precision"], r["jit_compile"], r["seen_classes"]): r["iterations_per_second"]
              for r in rows}
    targets = []
    for (precision, num_classes), target in TARGETS.items():
        if ("new", precision, False, num_classes) in median:
            value = median[("new", precision, False, num_classes)]
            targets.append({"target": f"{precision} >= {target} it/s at {num_classes} classes", "value": value,
                            "met": value >= target})
    for jit in (False, True):
        for num_classes in args.classes:
            new, old = median.get(("new", "off", jit, num_classes)), median.get(("old", "off", jit, num_classes))
            if new is not None and old is not None:
                targets.append({"target": f"fp32 not slower than the baseline, jit={jit}, {num_classes} classes",
                                "value": new / old, "met": new >= 0.97 * old})  # 3 %: the noise of one median
    for precision in args.precisions:
        for jit in (False, True):
            for num_classes in args.classes:
                new, other = (median.get((code, precision, jit, num_classes)) for code in ("new", "env"))
                if new is not None and other is not None:
                    targets.append({"target": f"{precision} not slower than with {compare_env}, jit={jit}, "
                                              f"{num_classes} classes", "value": new / other,
                                    "met": new >= 0.97 * other})
    for target in targets:
        print(f"  target {target['target']}: {target['value']:.2f} -> {'met' if target['met'] else 'NOT met'}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump({"rows": rows, "targets": targets, "baseline_repo": args.baseline_repo,
                   "compare_env": compare_env}, handle, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
