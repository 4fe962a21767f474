"""Where a session's wall time goes, for every method, and what IntroGAN's prototypes cost per step.

    python benchmarks/profile_session.py                                   # tiny: 2 sessions x 60 iterations
    python benchmarks/profile_session.py --iters 500 --num_sessions 5 --methods introgan dgr
    python benchmarks/profile_session.py --methods none                   # only the prototype cost
    python benchmarks/profile_session.py --iters 200 --num_sessions 3 --test_interval 100 --save_interval 200 \
        --skip_fid --proto_classes --out benchmarks/results/profile_session_small_cpu2.json   # the small budget

Each run of benchmarks/compare_methods.py's RUNS (its method flags; GAN Memory is left out, it needs a trained
source) goes through the real session loop (``experiment.run``, MNIST from ``--data_dir``, the method's own
defaults, FID with the shipped domain classifier unless ``--skip_fid``, as in the small budget) with timers around
the pieces of the loop, which this script wraps from the outside (the package is not changed):

* ``train_steps``: the calls of the compiled train function, which include waiting for the next input element;
  ``first_steps``: the first call of each phase's step in each session (its tracing);
* ``input_pipeline``: pulling the session's ``iters`` elements from the same ``tf.data`` stream **alone**,
  before ``fit`` (inside ``fit`` prefetch overlaps it with the steps, so this is an upper bound of its share;
  it is not counted in the run's wall time);
* ``setup``: ``begin_session`` (growth, prototypes, fresh optimisers) of which ``replay_generation`` is the
  generated replay (the method's own ``replay_seconds``);
* ``evaluation``: accuracy on the test classes; ``generation_metrics``: generated samples, the domain
  classifier's accuracy on them and per-class FID, of which ``fid_math`` is the statistics and Fréchet distance;
* ``samples`` (grids), ``checkpointing``, ``export`` (SavedModel); ``other``: the rest (Keras' loop, callbacks,
  logging, building models).

Shares are of the run's wall time.  The prototype cost times, for C = 2, 6, 10 seen classes and P = --proto_num,
what IntroGAN does with the C*P prototype images in every iteration (one forward pass of D in the G step, one
forward and backward pass in the D step) against the whole iteration inside ``fit`` (batch 100, critic_iters 1).

Writes JSON (default benchmarks/results/profile_session_cpu2.json) and prints a markdown table.
"""

import argparse
import collections
import functools
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from compare_methods import RUNS, SMALL_SKIPS  # noqa: E402  (run name -> method flags, the benchmark's)

# Every run but GAN Memory's, which first needs a source trained on another dataset.
METHODS = tuple(name for name in RUNS if name != "gan_memory")
# By default the small budget's runs, so that the profile explains that budget's wall time.
DEFAULT_METHODS = tuple(name for name in METHODS if name not in SMALL_SKIPS)
PARTS = ("train_steps", "first_steps", "setup", "replay_generation", "evaluation", "generation_metrics",
         "fid_math", "samples", "checkpointing", "export", "other")
TIMES = collections.defaultdict(float)


def timed(owner, name, key):
    """Wraps ``owner.name`` so that its wall time adds to TIMES[key]."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[key] += time.perf_counter() - started
    setattr(owner, name, wrapper)


def instrument():
    """Timers around the session loop's pieces (once per process)."""
    from introgan_tf import experiment  # pylint: disable=import-outside-toplevel
    from introgan_tf.checkpointing import SessionCheckpointer  # pylint: disable=import-outside-toplevel
    from introgan_tf.evaluation import fid  # pylint: disable=import-outside-toplevel
    from introgan_tf.methods.common.session_model import SessionModel  # pylint: disable=import-outside-toplevel
    timed(experiment.Experiment, "evaluate", "evaluation")
    timed(experiment.Experiment, "write_samples", "samples")
    timed(experiment.Experiment, "generation_metrics", "generation_metrics")
    timed(experiment.Experiment, "evaluate_generation", "generation_metrics")
    timed(SessionCheckpointer, "save", "checkpointing")
    timed(experiment, "export_saved_model", "export")
    timed(fid, "statistics_from_activations", "fid_math")
    timed(fid, "frechet_distance", "fid_math")

    make_train_function = SessionModel.make_train_function

    def timed_train_function(model, force=False):
        function = make_train_function(model, force)
        if getattr(function, "timed", False):
            return function
        traced = set()  # phases whose step was compiled by this train function

        def train_function(iterator):
            iteration = model._host_iteration  # pylint: disable=protected-access
            phase = model.phase(int(model.iteration.numpy()) if iteration is None else iteration)
            started = time.perf_counter()
            try:
                return function(iterator)
            finally:
                TIMES["train_steps" if phase in traced else "first_steps"] += time.perf_counter() - started
                traced.add(phase)
        train_function.timed = True
        model.train_function = train_function
        return train_function
    SessionModel.make_train_function = timed_train_function

    train_session = experiment.Experiment.train_session

    def train_session_with_pipeline(self, session, start_iteration):
        """Pulls the session's elements from an identical stream alone first (not counted in the wall time)."""
        started = time.perf_counter()
        iters = self.config.train.iters - start_iteration
        dataset = self.method.model.for_replicas(self.method.train_dataset(session, seed=12345))
        for _ in dataset.take(iters):
            pass
        TIMES["input_pipeline"] += time.perf_counter() - started
        return train_session(self, session, start_iteration)
    experiment.Experiment.train_session = train_session_with_pipeline

    return experiment


def config_for(method, args, result_dir):
    from absl import flags  # pylint: disable=import-outside-toplevel
    # Importing the flag modules defines main.py's flags.  pylint: disable=import-outside-toplevel,unused-import
    from flags import (baseline_flags, config_builder, data_flags, eval_flags,  # noqa: F401
                       experiment_flags, gan_memory_flags, growth_flags, introgan_flags, training_flags)
    argv = ["profile", "--dataset", "mnist", *RUNS[method], "--data_dir", args.data_dir,
            "--result_dir", result_dir, "--num_sessions", str(args.num_sessions), "--iters", str(args.iters),
            "--test_interval", str(args.test_interval), "--save_interval", str(args.save_interval),
            "--sample_interval", str(args.iters), "--seed", "1993"]
    # With --skip_fid the generated accuracy's sample count follows main.py's default, as in the small budget.
    samples = args.fid_samples_per_class or (None if args.skip_fid else 200)
    argv += (["--skip_fid"] if args.skip_fid else []) + (["--fid_samples_per_class", str(samples)] if samples else [])
    flags.FLAGS.unparse_flags()
    flags.FLAGS(argv)
    return config_builder.build_config(flags.FLAGS)


def profile_method(experiment, method, args, work):
    TIMES.clear()
    keras.backend.clear_session()
    result_dir = os.path.join(work, method)
    config = config_for(method, args, result_dir)
    # begin_session is the method's; wrap this run's instance through the Experiment it builds.
    original_init = experiment.Experiment.__init__

    def init(self, *a, **k):
        original_init(self, *a, **k)
        timed(self.method, "begin_session", "setup")
    experiment.Experiment.__init__ = init
    started = time.perf_counter()
    try:
        results = experiment.run(config)
    finally:
        experiment.Experiment.__init__ = original_init
    wall = time.perf_counter() - started - TIMES["input_pipeline"]
    times = dict(TIMES)
    times["replay_generation"] = sum(s.get("timing", {}).get("replay_seconds", 0.0) for s in results["sessions"])
    counted = ("train_steps", "first_steps", "setup", "evaluation", "generation_metrics", "samples",
               "checkpointing", "export")
    times["other"] = wall - sum(times.get(k, 0.0) for k in counted)
    row = {"method": method, "wall_seconds": wall, "seconds": {k: times.get(k, 0.0) for k in PARTS},
           "input_pipeline_alone_seconds": times.get("input_pipeline", 0.0),
           "share": {k: times.get(k, 0.0) / wall for k in PARTS},
           "input_pipeline_alone_share": times.get("input_pipeline", 0.0) / wall,
           "ta_acc": results.get("ta_acc"),
           # The run's own per-session timing (training, setup, replay, evaluation, generation metrics).
           "session_timing": [s.get("timing", {}) for s in results["sessions"]]}
    shutil.rmtree(result_dir, ignore_errors=True)
    return row


def prototype_cost(classes, proto_num, steps, warmup, batch_size=100):
    """ms per iteration of the prototypes' D passes and of the whole IntroGAN iteration at ``classes`` classes."""
    from introgan_tf.config import IntroGANConfig, TrainConfig  # pylint: disable=import-outside-toplevel
    from introgan_tf.data.pipeline import make_train_dataset  # pylint: disable=import-outside-toplevel
    from introgan_tf.methods.introgan.model import IntroGANModel  # pylint: disable=import-outside-toplevel
    from introgan_tf.methods.introgan.networks import (  # pylint: disable=import-outside-toplevel
        ConditionalGenerator, EmbeddingDiscriminator)
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6000, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, classes, 6000)
    prototypes = rng.integers(0, 256, (classes * proto_num, 28, 28, 1), dtype=np.uint8)
    model = IntroGANModel(ConditionalGenerator(classes), EmbeddingDiscriminator(), prototypes, classes,
                          IntroGANConfig(proto_num=proto_num),
                          TrainConfig(batch_size=batch_size, critic_iters=1, mode="dcgan"), seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-4, 0.5), g_optimizer=keras.optimizers.Adam(2e-4, 0.5),
                  jit_compile=False)
    marks = []

    class Marks(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            marks.append(time.perf_counter())
    model.fit(make_train_dataset(images, labels, batch_size, seed=0), steps_per_epoch=warmup + steps, epochs=1,
              callbacks=[Marks()], verbose=0)
    iteration_ms = 1000 * (marks[-1] - marks[warmup - 1]) / steps
    discriminator = model.discriminator

    @tf.function
    def prototype_passes():
        protos = model.prototype_images()
        forward = discriminator(protos, training=True)[1]  # the G step's E(p)
        with tf.GradientTape() as tape:
            embeddings = discriminator(protos, training=True)[1]  # the D step's share of its joint pass
            loss = tf.reduce_mean(tf.square(embeddings)) + 0.0 * tf.reduce_mean(forward)
        return tape.gradient(loss, discriminator.trainable_variables)
    for _ in range(warmup):
        prototype_passes()
    started = time.perf_counter()
    for _ in range(steps):
        grads = prototype_passes()
    _ = [g.numpy() for g in grads[:1]]
    proto_ms = 1000 * (time.perf_counter() - started) / steps
    return {"seen_classes": classes, "prototype_images": classes * proto_num, "iteration_ms": iteration_ms,
            "prototype_passes_ms": proto_ms, "prototype_share": proto_ms / iteration_ms}


def table(rows):
    head = ["method", "wall s"] + [p for p in PARTS] + ["pipeline alone"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["method"], f"{row['wall_seconds']:.0f}"]
        cells += [f"{100 * row['share'][p]:.0f} %" for p in PARTS]
        cells.append(f"{100 * row['input_pipeline_alone_share']:.1f} %")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                        help="runs of compare_methods.py to profile (default: the small budget's but gan_memory), "
                             "or none")
    parser.add_argument("--iters", type=int, default=60)
    parser.add_argument("--num_sessions", type=int, default=2)
    parser.add_argument("--test_interval", type=int, default=30)
    parser.add_argument("--save_interval", type=int, default=30)
    parser.add_argument("--fid_samples_per_class", type=int, default=None,
                        help="default: 200 with FID, main.py's default with --skip_fid")
    parser.add_argument("--skip_fid", action="store_true", help="no FID, as the small budget (generated accuracy kept)")
    parser.add_argument("--data_dir", default=os.path.join(os.path.dirname(REPO), "shared", "data", "mnist"))
    parser.add_argument("--proto_classes", type=int, nargs="*", default=[2, 6, 10])
    parser.add_argument("--proto_num", type=int, default=20)
    parser.add_argument("--proto_steps", type=int, default=30)
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results", "profile_session_cpu2.json"))
    args = parser.parse_args()
    methods = [] if args.methods == ["none"] else args.methods
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"--methods: unknown {', '.join(unknown)} (expected some of {', '.join(METHODS)}, or none)")
    experiment = instrument() if methods else None
    work = tempfile.mkdtemp(prefix="profile_session_")
    rows, prototypes = [], []
    out = {"settings": {k: v for k, v in vars(args).items() if k != "out"}, "cpu_count": os.cpu_count(),
           "gpu": bool(tf.config.list_physical_devices("GPU")), "methods": rows, "prototypes": prototypes}

    def write():  # after every measurement: a long profile keeps what it measured if it is stopped
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as handle:
            json.dump(out, handle, indent=1)
    for classes in args.proto_classes:
        prototypes.append(prototype_cost(classes, args.proto_num, args.proto_steps, warmup=5))
        p = prototypes[-1]
        print(f"prototypes at {classes} classes ({p['prototype_images']} images): {p['prototype_passes_ms']:.1f} ms "
              f"of a {p['iteration_ms']:.1f} ms iteration ({100 * p['prototype_share']:.0f} %)", flush=True)
        write()
    for method in methods:
        rows.append(profile_method(experiment, method, args, work))
        print(f"{method}: {rows[-1]['wall_seconds']:.0f} s, train steps {100 * rows[-1]['share']['train_steps']:.0f} %"
              f", TA-ACC {rows[-1]['ta_acc']:.3f}", flush=True)
        write()
    shutil.rmtree(work, ignore_errors=True)
    if rows:
        print(table(rows))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
