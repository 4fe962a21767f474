"""One experiment: the class-incremental session loop (introgan.md section 9).

``run(config)`` loads the data, builds the scenario and the method, then for
each session: ``begin_session`` (replay, growth, prototypes, fresh optimisers),
``fit`` with a SessionMonitor (evaluation, checkpoints, TensorBoard), and the
end-of-session work (generation metrics, sample grid, SavedModel export, final
checkpoint).  Results go to ``results.json`` after every evaluation.
"""

import json
import os
import resource
import sys
import time

import keras
import tensorflow as tf

from introgan_tf.callbacks import SessionMonitor
from introgan_tf.checkpointing import SessionCheckpointer
from introgan_tf.config import ExperimentConfig
from introgan_tf.data.class_orders import get_class_order
from introgan_tf.data.datasets import load_dataset
from introgan_tf.data.pipeline import to_unit_range
from introgan_tf.data.scenario import ClassIncrementalScenario
from introgan_tf.errors import InputError
from introgan_tf.evaluation import accuracy, continual_metrics
from introgan_tf.evaluation.generation_metrics import check_ready, evaluate_generation
from introgan_tf.export import export_saved_model
from introgan_tf.methods import get_method
from introgan_tf.results import ResultsLog, read_results
from introgan_tf.visualization import class_grid, fixed_noise, save_png

# Settings that may differ between a run and its resumption.
RESUMABLE_CHANGES = ("resume", "num_sessions")


def config_changes(old: dict, new: dict, prefix: str = "") -> list:
    """``--flag: old -> new`` for every setting that differs, except RESUMABLE_CHANGES."""
    changes = []
    for key in sorted(set(old) | set(new)):
        if not prefix and key in RESUMABLE_CHANGES:
            continue
        before, after = old.get(key), new.get(key)
        if isinstance(before, dict) and isinstance(after, dict):
            changes += config_changes(before, after, prefix=f"{prefix}{key}.")
        elif before != after:
            changes.append(f"{prefix}{key}: {before!r} -> {after!r}")
    return changes


def make_scenario(config: ExperimentConfig, data):
    """The run's scenario: class-incremental (introgan.md 2.2) or permuted MNIST (baselines.md 3.2)."""
    if config.experiment == "permutated-mnist":
        from introgan_tf.data.permuted import PermutedScenario  # pylint: disable=import-outside-toplevel
        return PermutedScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test,
                                num_tasks=config.mnist_permutation_number, seed=config.mnist_permutation_seed)
    return ClassIncrementalScenario(
        x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test,
        class_order=get_class_order(config.order_idx, data.info.num_classes), nb_cl=config.nb_cl)


class Experiment:
    """State of one run; see :func:`run`."""

    def __init__(self, config: ExperimentConfig):
        self.config = config
        self.result_dir = config.result_dir
        self.results_path = os.path.join(self.result_dir, "results.json")
        if os.path.exists(self.results_path) and not config.resume:
            raise InputError(f"{self.results_path} already exists; pass --resume to continue that run, "
                             f"or choose another --result_dir")
        keras.utils.set_random_seed(config.seed)
        started = time.time()
        data = load_dataset(config.dataset, config.data_dir, config.data_source, config.tfds_data_dir,
                            config.tfds_download)
        self.info = data.info
        print(f"[introgan_tf] {config.dataset}: {len(data.x_train)} train / {len(data.x_test)} test images "
              f"from {data.source} in {time.time() - started:.1f}s", flush=True)
        self.scenario = make_scenario(config, data)
        self.sessions = self.scenario.sessions[:config.num_sessions]
        method_class = get_method(config.method)
        if config.experiment not in method_class.experiments:
            raise InputError(f"--experiment={config.experiment}: --method={config.method} supports only "
                             f"{', '.join(method_class.experiments)}")
        if self.generation_metrics_apply(method_class):  # classifier-only methods have no generation metrics to prepare
            check_ready(config.dataset, config.eval, self.sessions[-1].seen_original)  # before hours of training
        self.method = method_class(config, data.info, self.scenario)
        self.checkpointer = SessionCheckpointer(os.path.join(self.result_dir, "checkpoints"))
        if self.method.generates:
            os.makedirs(os.path.join(self.result_dir, "samples"), exist_ok=True)
        self.writer = tf.summary.create_file_writer(os.path.join(self.result_dir, "tensorboard"))
        header = {"method": config.method, "dataset": config.dataset, "order_idx": config.order_idx,
                  "nb_cl": config.nb_cl, "iters": config.train.iters, "config": config.to_dict()}
        existing = read_results(self.results_path) if config.resume and os.path.exists(self.results_path) else None
        if existing is not None:
            changed = config_changes(existing.get("config", {}), config.to_dict())
            if changed:
                raise InputError(f"--resume: {self.results_path} was written with other settings "
                                 f"({'; '.join(changed)}); resume with the same flags or choose another --result_dir")
        self.results = ResultsLog(self.results_path, header, existing)
        self.timings = {}

    def generation_metrics_apply(self, method_class=None) -> bool:
        """FID / generated accuracy need a generator and samples comparable with the dataset's classes."""
        return (method_class or type(self.method)).generates and self.scenario.generation_metrics_apply

    # ------------------------------------------------------------------------------------------ resume
    def restore(self):
        """Restores the latest checkpoint; returns (first session index, its start iteration)."""
        latest = self.checkpointer.latest() if self.config.resume else None
        if latest is None:
            return 1, 0
        if latest.session > len(self.sessions):
            raise InputError(f"--num_sessions={self.config.num_sessions}: {self.result_dir} already has a "
                             f"checkpoint of session {latest.session}")
        session = self.sessions[latest.session - 1]
        if latest.complete:
            self.method.build_session_model(session)
            self.checkpointer.restore(self.method, latest)
            self.method.end_session(session)
            # Keep the complete session's end-of-session fields (accuracy, timing, ...); drop only later records.
            self.results.truncate(session.index + 1, 0)
            print(f"[introgan_tf] resumed after session {session.index} (complete)", flush=True)
            return session.index + 1, 0
        if session.index > 1:
            previous = self.sessions[session.index - 2]
            self.method.build_session_model(previous)
            self.checkpointer.restore(self.method, self.checkpointer.info(previous.index))
            self.method.end_session(previous)
        self.method.begin_session(session)
        self.checkpointer.restore(self.method, latest)
        self.results.truncate(session.index, latest.iteration, session.as_record())
        if len(self.results.data["sessions"]) < session.index:
            self.results.start_session(session.as_record())
        print(f"[introgan_tf] resumed session {session.index} at iteration {latest.iteration}", flush=True)
        return session.index, latest.iteration

    # ------------------------------------------------------------------------------------------ per session
    def evaluate(self, session, test_images, test_labels, iteration):
        started = time.time()
        logits = self.method.classify(test_images)
        prefixes = self.scenario.prefix_accuracies(logits, test_labels, session)
        self.results.add_evaluation(session.index, {"iteration": iteration, "accuracy": prefixes[-1],
                                                    "prefix_accuracies": prefixes})
        step = (session.index - 1) * self.config.train.iters + iteration
        with self.writer.as_default(step=step):
            tf.summary.scalar("accuracy/all_seen", prefixes[-1])
            for k, value in enumerate(prefixes, start=1):
                tf.summary.scalar(f"accuracy/prefix_{k}", value)
            tf.summary.scalar("ta_acc", self.results.data["ta_acc"])
        self.timings["evaluation"] = self.timings.get("evaluation", 0.0) + time.time() - started  # per session
        print(f"\n[introgan_tf] session {session.index} iteration {iteration}: accuracy {prefixes[-1]:.4f} "
              f"prefixes {[round(p, 4) for p in prefixes]}", flush=True)

    def sample_grid(self, session):
        """Fixed-noise samples, one row per seen class (noise saved in samples/fixed_noise.npy)."""
        z = fixed_noise(self.method.z_dim, self.config.seed, os.path.join(self.result_dir, "samples"))
        return class_grid(self.method.sample, session.num_seen, z)

    def write_samples(self, session, iteration):
        grid = self.sample_grid(session)
        with self.writer.as_default(step=(session.index - 1) * self.config.train.iters + iteration):
            tf.summary.image(f"samples/session_{session.index}", grid[None], max_outputs=1)
        return grid

    def train_session(self, session, start_iteration):
        iters = self.config.train.iters
        test_x, test_y = self.scenario.test_data(session)
        test_images = to_unit_range(test_x).numpy()
        if start_iteration < iters:
            monitor = SessionMonitor(
                start_iteration, iters, self.config.train, self.writer, (session.index - 1) * iters,
                evaluate=lambda it: self.evaluate(session, test_images, test_y, it),
                save=lambda: self.checkpointer.save(self.method, session.index, complete=False),
                write_samples=(lambda it: self.write_samples(session, it)) if self.method.generates else
                (lambda it: None))
            dataset = self.method.train_dataset(session, seed=self.config.seed * 1000 + session.index * 10
                                                + start_iteration // max(1, self.config.train.save_interval))
            print(f"[introgan_tf] session {session.index}/{len(self.sessions)}: classes "
                  f"{list(session.new_original)} (seen {list(session.seen_original)}), pool "
                  f"{len(self.method.pool[0])} images, iterations {start_iteration}..{iters}", flush=True)
            started = time.time()
            self.method.model.fit(dataset, steps_per_epoch=iters - start_iteration, epochs=1,
                                  callbacks=[monitor], shuffle=False, verbose=1 if sys.stdout.isatty() else 2)
            timing = self.results.session(session.index).setdefault("timing", {})
            timing["training_seconds"] = time.time() - started - monitor.side_seconds
            timing["evaluation_seconds"] = self.timings.pop("evaluation", 0.0)
            timing["iterations_per_second"] = (iters - start_iteration) / timing["training_seconds"]
            timing["steady_iterations_per_second"] = monitor.steady_iterations_per_second()
            # Training done: keep it even if the end-of-session work below is interrupted.
            self.checkpointer.save(self.method, session.index, complete=False)

    def generation_metrics(self, session):
        """Per-class FID (unless --skip_fid) and the domain classifier's accuracy on generated samples."""
        started = time.time()
        metrics = evaluate_generation(self.method.sample, list(range(session.num_seen)), session.seen_original,
                                      self.config.dataset, self.config.eval)
        step = session.index * self.config.train.iters
        with self.writer.as_default(step=step):
            tf.summary.scalar("generated_accuracy/mean", metrics["generated_accuracy_mean"])
            if "fid" in metrics:
                tag = f"fid/{metrics['fid_extractor']}"
                tf.summary.scalar(f"{tag}/mean", metrics["fid_mean"])
                for label, value in metrics["fid"].items():
                    tf.summary.scalar(f"{tag}/class_{label}", value)
        self.results.update_session(session.index, **metrics)
        self.timings["generation_metrics"] = time.time() - started
        if "fid" in metrics:
            print(f"[introgan_tf] session {session.index}: FID ({metrics['fid_extractor']}) mean "
                  f"{metrics['fid_mean']:.2f}; ", end="")
        else:
            print(f"[introgan_tf] session {session.index}: ", end="")
        print(f"accuracy on generated samples {metrics['generated_accuracy_mean']:.4f} "
              f"({time.time() - started:.1f}s)", flush=True)

    def summarise(self):
        """Run-level metrics over the sessions so far: TA-ACC, TA-FID, accuracy matrix, forgetting."""
        sessions = self.results.data["sessions"]
        fields = dict(ta_acc=accuracy.ta_acc(sessions), accuracy_matrix=continual_metrics.accuracy_matrix(sessions),
                      forgetting=continual_metrics.forgetting(sessions),
                      end_of_session_accuracy=[s.get("accuracy") for s in sessions])
        if all("fid" in s for s in sessions):
            fields.update(ta_fid=continual_metrics.ta_fid_from_sessions(sessions, self.config.nb_cl),
                          fid_extractor=sessions[-1]["fid_extractor"])
        self.results.update(**fields)

    def finish_session(self, session):
        self.method.end_session(session)
        if self.method.generates:
            grid = self.write_samples(session, self.config.train.iters)
            save_png(grid, os.path.join(self.result_dir, "samples", f"session_{session.index}.png"))
        self.results.update_session(session.index, **self.method.summary())
        if self.generation_metrics_apply():  # no fid / generated_accuracy keys for classifier-only methods
            self.generation_metrics(session)
        self.summarise()
        export_saved_model(self.method, session, os.path.join(self.result_dir, "saved_model"))
        self.checkpointer.save(self.method, session.index, complete=True)

    def run(self):
        with self.writer.as_default(step=0):
            tf.summary.text("config", "```\n" + json.dumps(self.config.to_dict(), indent=2) + "\n```")
        first, start_iteration = self.restore()
        for session in self.sessions[first - 1:]:
            setup_seconds = None
            if start_iteration == 0:
                started = time.time()
                self.method.begin_session(session)
                setup_seconds = time.time() - started
                self.results.start_session(session.as_record())
            self.train_session(session, start_iteration)
            self.finish_session(session)
            timing = self.results.session(session.index).setdefault("timing", {})
            timing.update(setup_seconds=setup_seconds, **self.method.timings,
                          generation_metrics_seconds=self.timings.pop("generation_metrics", None),
                          peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            self.results.write()
            start_iteration = 0
        self.results.update(complete=len(self.results.data["sessions"]) == len(self.sessions))
        self.writer.flush()
        print(f"[introgan_tf] done: TA-ACC {self.results.data['ta_acc']:.4f}; results in {self.results_path}",
              flush=True)
        return self.results.data


def run(config: ExperimentConfig) -> dict:
    """Runs (or resumes) an experiment and returns the results record."""
    return Experiment(config).run()
