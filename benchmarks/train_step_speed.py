"""Speed of IntroGAN's training iteration inside ``fit`` (with the tf.data pipeline), XLA off and on.

    python benchmarks/train_step_speed.py                  # 2 and 10 seen classes, XLA off and on
    python benchmarks/train_step_speed.py --classes 2 --jit false --steps 200

One iteration = one G step + one D step over batch 100 plus C*20 prototypes.
Prints steady-state iterations per second (after warm-up) and saves JSON.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from introgan_tf.config import IntroGANConfig, TrainConfig  # noqa: E402
from introgan_tf.data.pipeline import make_train_dataset  # noqa: E402
from introgan_tf.methods.introgan.model import IntroGANModel  # noqa: E402
from introgan_tf.methods.introgan.networks import ConditionalGenerator, EmbeddingDiscriminator  # noqa: E402


class Timer(keras.callbacks.Callback):
    def __init__(self, warmup):
        super().__init__()
        self.warmup, self.start, self.end = warmup, None, None

    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 == self.warmup:
            self.start = time.perf_counter()
        self.end = time.perf_counter()


def measure(num_classes, jit, steps, warmup, batch_size=100, proto_num=20):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12000, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, num_classes, 12000)
    prototypes = rng.integers(0, 256, (num_classes * proto_num, 28, 28, 1), dtype=np.uint8)
    model = IntroGANModel(ConditionalGenerator(num_classes), EmbeddingDiscriminator(), prototypes, num_classes,
                          IntroGANConfig(proto_num=proto_num), TrainConfig(batch_size=batch_size, critic_iters=1, mode="dcgan"),
                          seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-4, 0.5, 0.999, 1e-8),
                  g_optimizer=keras.optimizers.Adam(2e-4, 0.5, 0.999, 1e-8), jit_compile=jit)
    timer = Timer(warmup)
    model.fit(make_train_dataset(images, labels, batch_size, seed=0), steps_per_epoch=warmup + steps, epochs=1,
              callbacks=[timer], verbose=0)
    return steps / (timer.end - timer.start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, nargs="+", default=[2, 10])
    parser.add_argument("--jit", nargs="+", default=["false", "true"], choices=["false", "true"])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--xla_steps", type=int, default=30, help="steps when XLA is on (slow on CPU)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--out", default=os.path.join("benchmarks", "out", "train_step_speed.json"))
    args = parser.parse_args()
    device = "GPU" if tf.config.list_physical_devices("GPU") else f"CPU ({os.cpu_count()} cores)"
    rows = []
    for jit in args.jit:
        for num_classes in args.classes:
            steps = args.xla_steps if jit == "true" and device.startswith("CPU") else args.steps
            speed = measure(num_classes, jit == "true", steps, args.warmup)
            rows.append({"device": device, "seen_classes": num_classes, "jit_compile": jit == "true",
                         "steps": steps, "iterations_per_second": speed})
            print(f"{device}: {num_classes:2d} classes, jit_compile={jit:5s}: {speed:.2f} it/s", flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(rows, handle, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
