"""One experiment: the class-incremental session loop (docs/design.md#data-flow).

``run(config)`` resolves the config for its method, loads the data, builds the scenario and the method, then for
each session: ``begin_session`` (replay, growth, prototypes, fresh optimisers), ``fit`` with a SessionMonitor
(evaluation, checkpoints, TensorBoard), and the end-of-session work (generation metrics, sample grid, SavedModel
export, final checkpoint).  Evaluation goes through evaluation/session_evaluator.py, the path ``--test`` uses
too; results go to ``results.json`` after every evaluation.
"""

import contextlib
import dataclasses
import os
import resource
import shutil
import sys
import tempfile
import time
from typing import Optional

import keras
import tensorflow as tf

from introgan_tf.callbacks import SessionMonitor
from introgan_tf.checkpointing import SessionCheckpointer
from introgan_tf.config import ExperimentConfig
from introgan_tf.data.class_orders import get_class_order
from introgan_tf.data.dataset_info import DatasetSplits
from introgan_tf.data.dataset_sequence import SEQUENCES, DatasetSequenceScenario
from introgan_tf.data.datasets import data_flags_text, evaluation_key, load_dataset
from introgan_tf.data.scenario import ClassIncrementalScenario
from introgan_tf.errors import InputError, NonFiniteError, StorageError
from introgan_tf.evaluation.accuracy import ta_acc
from introgan_tf.evaluation.continual_metrics import run_summary
from introgan_tf.evaluation.session_evaluator import SessionEvaluator
from introgan_tf import host_memory, runtime, session_memory
from introgan_tf.export import export_saved_model
from introgan_tf.methods import get_method, resolve_config
from introgan_tf.results import ResultsLog, read_results
from introgan_tf.run_lock import RunLock
from introgan_tf.tensorboard_log import TensorBoardLog
from introgan_tf.visualization import save_png

# Settings that may differ between a run and its resumption.
RESUMABLE_CHANGES = ("resume", "num_sessions", "nan_policy", "keep_checkpoints")


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


# Settings added after runs were written.  A results.json without one (or with None, "the method's default", from
# before the method had the setting) ran with the networks' fixed values of that version, which are the method's
# defaults today; anything else would refuse to resume every older run.
ADDED_SETTINGS = ("train.z_dim", "train.dim")


def with_added_settings(stored: ExperimentConfig) -> ExperimentConfig:
    """``stored`` with each unset :data:`ADDED_SETTINGS` field set to the method's default for it."""
    from introgan_tf.methods import get_options  # pylint: disable=import-outside-toplevel
    from introgan_tf.methods.options import Default  # pylint: disable=import-outside-toplevel
    defaults = get_options(stored.method).defaults
    for path in ADDED_SETTINGS:
        if stored.get(path) is None and path in defaults:
            default = defaults[path]
            stored = stored.replace_path(path, default.value(stored) if isinstance(default, Default) else default)
    return stored


def load_data(config: ExperimentConfig) -> DatasetSplits:
    """The run's dataset, read from local files as ``config`` says (a dataset sequence: its first task's)."""
    return load_dataset(config.dataset, config.data_dir, config.data_source, config.tfds_data_dir,
                        config.tfds_download, options=config.data)


def make_scenario(config: ExperimentConfig, data: DatasetSplits):
    """The run's scenario: class-incremental, permuted MNIST or a dataset sequence (docs/design.md#scenarios)."""
    if config.experiment == "permutated-mnist":
        from introgan_tf.data.permuted import PermutedScenario  # pylint: disable=import-outside-toplevel
        return PermutedScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test,
                                num_tasks=config.mnist_permutation_number, seed=config.mnist_permutation_seed)
    if config.experiment in SEQUENCES:
        # The first task's dataset is ``data``; the second is found by its own search order (--second_data_dir).
        second_name = SEQUENCES[config.experiment][1]
        started = time.time()
        second = load_dataset(second_name, config.data.second_data_dir, options=config.data)
        print(f"[introgan_tf] {second_name}: {len(second.x_train)} train / {len(second.x_test)} test images from "
              f"{second.source} in {time.time() - started:.1f}s", flush=True)
        return DatasetSequenceScenario(name=config.experiment, tasks=(data, second))
    return ClassIncrementalScenario(
        x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test,
        class_order=get_class_order(config.order_idx, data.info.num_classes), nb_cl=config.nb_cl)


class Experiment:
    """State of one run; see :func:`run`.

    Args:
      config: the run's settings; unset per-method fields are resolved here.
      data: the dataset, if already loaded (e.g. synthetic data from introgan_tf.testing); else read from
        local files as ``config`` says.
      chief: False on the other workers of ``--strategy multi_worker``: they compute everything the chief does
        (the collectives need them) but write into a temporary directory that they delete at the end, and
        resume from the chief's checkpoints.
    """

    def __init__(self, config: ExperimentConfig, data: Optional[DatasetSplits] = None, chief: bool = True):
        config = resolve_config(config)
        self.config = config
        self.chief = chief
        self.result_dir = config.result_dir if chief else tempfile.mkdtemp(prefix="introgan_worker_")
        self.results_path = os.path.join(self.result_dir, "results.json")
        chief_results = os.path.join(config.result_dir, "results.json")
        if chief and os.path.exists(self.results_path) and not config.resume:
            raise InputError(f"{self.results_path} already exists; pass --resume to continue that run, "
                             f"or choose another --result_dir")
        keras.utils.set_random_seed(config.seed)
        started = time.time()
        data = data if data is not None else load_data(config)
        self.info = data.info
        print(f"[introgan_tf] {config.dataset}: {len(data.x_train)} train / {len(data.x_test)} test images "
              f"from {data.source} in {time.time() - started:.1f}s", flush=True)
        self.scenario = make_scenario(config, data)
        self.sessions = self.scenario.sessions[:config.num_sessions]
        method_class = get_method(config.method)
        self.evaluator = SessionEvaluator(self.scenario, evaluation_key(config.dataset, config.data), config.eval,
                                          config.seed, os.path.join(self.result_dir, "samples"),
                                          data_flags=data_flags_text(config.dataset, config.data, config.data_dir),
                                          registry_name=config.dataset)
        self.evaluator.check_ready(method_class, self.sessions)  # before hours of training
        self.method = method_class(config, data.info, self.scenario)
        self.checkpointer = SessionCheckpointer(os.path.join(self.result_dir, "checkpoints"),
                                                keep=config.keep_checkpoints,
                                                read_root=os.path.join(config.result_dir, "checkpoints"))
        if self.method.generates:
            os.makedirs(os.path.join(self.result_dir, "samples"), exist_ok=True)
        self.tensorboard = TensorBoardLog(os.path.join(self.result_dir, "tensorboard"), config.train.iters)
        header = {"method": config.method, "dataset": config.dataset, "order_idx": config.order_idx,
                  "nb_cl": config.nb_cl, "iters": config.train.iters, "config": config.to_dict(),
                  # What the labels mean, and whether the files were the official ones (docs/datasets.md).
                  "class_names": list(data.info.class_names), "data_provenance": list(data.provenance)}
        existing = read_results(chief_results) if config.resume and os.path.exists(chief_results) else None
        if existing is not None:
            stored_raw = dict(existing.get("config", {}))
            if stored_raw and "data" not in stored_raw:
                # Written before the data settings existed: it read MNIST-style files, which they do not change.
                stored_raw["data"] = config.to_dict()["data"]
            stored = (with_added_settings(ExperimentConfig.from_dict(stored_raw)).to_dict() if "config" in existing
                      else {})
            changed = config_changes(stored, config.to_dict())
            if changed:
                raise InputError(f"--resume: {self.results_path} was written with other settings "
                                 f"({'; '.join(changed)}); resume with the same flags or choose another --result_dir")
        self.results = ResultsLog(self.results_path, header, existing)
        self.results.data.pop("stopped", None)  # a resumed run starts again from its last good checkpoint
        self.evaluation_seconds = 0.0  # of the current session

    # ------------------------------------------------------------------------------------------ resume
    def restore(self):
        """Restores the latest checkpoint; returns (first session index, its start iteration)."""
        latest = self.checkpointer.latest(quarantine=True) if self.config.resume else None
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
            self.checkpointer.restore(self.method, self.checkpointer.info(previous.index, quarantine=True))
            self.method.end_session(previous)
        self.method.begin_session(session)
        self.checkpointer.restore(self.method, latest)
        self.results.truncate(session.index, latest.iteration, session.as_record())
        if len(self.results.data["sessions"]) < session.index:
            self.results.start_session(session.as_record())
        print(f"[introgan_tf] resumed session {session.index} at iteration {latest.iteration}", flush=True)
        return session.index, latest.iteration

    # ------------------------------------------------------------------------------------------ per session
    def evaluate(self, session, iteration):
        if not self.method.evaluates_at(iteration):
            return
        started = time.time()
        prefixes = self.evaluator.accuracy(self.method, session)
        self.results.add_evaluation(session.index, {"iteration": iteration, "accuracy": prefixes[-1],
                                                    "prefix_accuracies": prefixes})
        self.results.update(ta_acc=ta_acc(self.results.data["sessions"]))
        self.tensorboard.accuracy(session.index, iteration, prefixes, self.results.data["ta_acc"])
        self.evaluation_seconds += time.time() - started
        print(f"\n[introgan_tf] session {session.index} iteration {iteration}: accuracy {prefixes[-1]:.4f} "
              f"prefixes {[round(p, 4) for p in prefixes]}", flush=True)

    def evaluate_generation(self, session, iteration):
        """Generation metrics within a session (--gen_eval_interval); FID only with --gen_eval_fid."""
        started = time.time()
        self.method.reset_sampling(session, iteration)
        eval_config = dataclasses.replace(self.config.eval, skip_fid=not self.config.eval.gen_eval_fid)
        metrics = self.evaluator.generation(self.method, session, eval_config)
        if metrics is None:
            return
        kept = ("generated_accuracy", "generated_accuracy_mean", "generated_accuracy_samples_per_class", "fid",
                "fid_mean", "fid_extractor", "classes_not_generated", "generated_samples_per_class")
        self.results.add_generation_evaluation(session.index, dict(
            {key: metrics[key] for key in kept if key in metrics}, iteration=iteration))
        self.tensorboard.generation(session.index, metrics, iteration)
        grid = self.write_samples(session, iteration)  # what the numbers describe, kept as a PNG too
        if grid is not None:
            save_png(grid, os.path.join(self.result_dir, "samples", f"session_{session.index}_iter_{iteration}.png"))
        self.evaluation_seconds += time.time() - started
        fid_text = f", FID mean {metrics['fid_mean']:.2f}" if "fid_mean" in metrics else ""
        print(f"[introgan_tf] session {session.index} iteration {iteration}: accuracy on generated samples "
              f"{metrics['generated_accuracy_mean']:.4f}{fid_text}", flush=True)

    def write_samples(self, session, iteration):
        grid = self.evaluator.sample_grid(self.method, session)
        if grid is not None:
            self.tensorboard.samples(session.index, iteration, grid)
        return grid

    def train_session(self, session, start_iteration):
        iters = self.config.train.iters
        if start_iteration >= iters:
            return
        monitor = SessionMonitor(
            start_iteration, iters, self.config.train,
            log_losses=lambda it, logs: self.tensorboard.losses(session.index, it, logs),
            evaluate=lambda it: self.evaluate(session, it),
            save=lambda: self.checkpointer.save(self.method, session.index, complete=False),
            write_samples=lambda it: self.write_samples(session, it),
            evaluate_generation=lambda it: self.evaluate_generation(session, it),
            generation_interval=self.config.eval.gen_eval_interval, nan_policy=self.config.nan_policy,
            weights_finite=self.weights_finite)
        dataset = self.method.train_dataset(session, seed=self.config.seed * 1000 + session.index * 10
                                            + start_iteration // max(1, self.config.train.save_interval))
        dataset = self.method.model.for_replicas(dataset)
        print(f"[introgan_tf] session {session.index}/{len(self.sessions)}: classes "
              f"{list(session.new_original)} (seen {list(session.seen_original)}), pool "
              f"{len(self.method.pool[0])} images, iterations {start_iteration}..{iters}", flush=True)
        self.evaluation_seconds = 0.0
        started = time.time()
        self.method.model.fit(dataset, steps_per_epoch=iters - start_iteration, epochs=1,
                              callbacks=[monitor], shuffle=False, verbose=1 if sys.stdout.isatty() else 2)
        if monitor.non_finite is None and self.config.nan_policy == "stop" and not self.weights_finite():
            monitor.non_finite = {"iteration": iters, "losses": ["weights"]}
        if monitor.non_finite is not None:
            self.stop_non_finite(session, **monitor.non_finite)
        timing = self.results.session(session.index).setdefault("timing", {})
        timing["training_seconds"] = time.time() - started - monitor.side_seconds
        timing["evaluation_seconds"] = self.evaluation_seconds
        timing["iterations_per_second"] = (iters - start_iteration) / timing["training_seconds"]
        timing["steady_iterations_per_second"] = monitor.steady_iterations_per_second()
        # Training done: keep it even if the end-of-session work below is interrupted.
        self.checkpointer.save(self.method, session.index, complete=False)

    def weights_finite(self) -> bool:
        """Whether every floating-point variable of the session model is finite (checked before a checkpoint)."""
        variables = [v for v in self.method.model.variables if tf.as_dtype(v.dtype).is_floating]
        return all(bool(tf.reduce_all(tf.math.is_finite(tf.convert_to_tensor(v)))) for v in variables)

    def stop_non_finite(self, session, iteration, losses):
        """--nan_policy stop: record where training broke, then end the run (no checkpoint, no SavedModel)."""
        found = self.checkpointer.info(session.index) or (self.checkpointer.info(session.index - 1)
                                                         if session.index > 1 else None)
        last_good = found.path if found else None
        self.results.update(complete=False, stopped={
            "reason": "non-finite loss" if losses != ["weights"] else "non-finite weights",
            "session": session.index, "iteration": iteration, "losses": losses, "nan_policy": "stop",
            "last_good_checkpoint": last_good})
        self.tensorboard.flush()
        what = f"loss {', '.join(losses)}" if losses != ["weights"] else "weights"
        resume = (f"--resume continues from {last_good}" if last_good else "no checkpoint was written yet")
        raise NonFiniteError(f"session {session.index} iteration {iteration}: non-finite {what} (NaN or Inf); "
                             f"training stopped (--nan_policy stop), no checkpoint or SavedModel of the broken "
                             f"model written; {resume}; results in {self.results_path}. A lower --adam_lr usually "
                             f"helps; --nan_policy ignore trains on")

    def generation_metrics(self, session):
        """Per-class FID (unless --skip_fid) and the domain classifier's accuracy on generated samples."""
        started = time.time()
        metrics = self.evaluator.generation(self.method, session)
        if metrics is None:  # classifier-only methods, permuted MNIST: no fid / generated_accuracy keys
            return None
        self.tensorboard.generation(session.index, metrics)
        self.results.update_session(session.index, **metrics)
        fid_text = f"FID ({metrics['fid_extractor']}) mean {metrics['fid_mean']:.2f}; " if "fid" in metrics else ""
        print(f"[introgan_tf] session {session.index}: {fid_text}accuracy on generated samples "
              f"{metrics['generated_accuracy_mean']:.4f} ({time.time() - started:.1f}s)", flush=True)
        return time.time() - started

    def finish_session(self, session):
        """End of a session: take over the trained state, grid, metrics, summary, export, final checkpoint."""
        self.method.end_session(session)
        grid = self.write_samples(session, self.config.train.iters)
        if grid is not None:
            save_png(grid, os.path.join(self.result_dir, "samples", f"session_{session.index}.png"))
        self.results.update_session(session.index, **self.method.summary())
        generation_seconds = self.generation_metrics(session)
        self.results.update(**run_summary(self.results.data["sessions"], self.config.nb_cl))
        export_saved_model(self.method, session, os.path.join(self.result_dir, "saved_model"))
        self.checkpointer.save(self.method, session.index, complete=True)
        return generation_seconds

    def run(self):
        self.tensorboard.config(self.config.to_dict())
        first, start_iteration = self.restore()
        for session in self.sessions[first - 1:]:
            gradients_before = session_memory.custom_gradient_names()
            setup_seconds = None
            if start_iteration == 0:
                started = time.time()
                self.method.begin_session(session)
                setup_seconds = time.time() - started
                self.results.start_session(session.as_record())
            self.train_session(session, start_iteration)
            generation_seconds = self.finish_session(session)
            # The session's step graphs are done: free them (and what they capture) before the next session.
            session_memory.release_session(self.method.model, gradients_before)
            timing = self.results.session(session.index).setdefault("timing", {})
            timing.update(setup_seconds=setup_seconds, **self.method.timings,
                          generation_metrics_seconds=generation_seconds,
                          peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          host_allocator=host_memory.in_effect())  # what the peak was measured under
            self.results.write()
            self.method.release_training_data()  # before the next set-up, not during it (base.py)
            start_iteration = 0
        self.results.update(complete=len(self.results.data["sessions"]) == len(self.sessions))
        self.tensorboard.flush()
        print(f"[introgan_tf] done: TA-ACC {self.results.data['ta_acc']:.4f}; results in {self.results_path}",
              flush=True)
        return self.results.data


def run(config: ExperimentConfig, data: Optional[DatasetSplits] = None) -> dict:
    """Runs (or resumes) an experiment and returns the results record.

    Everything is built under ``--mixed_precision``'s dtype policy and inside ``--strategy``'s scope
    (introgan_tf/runtime.py); only the chief writes ``result_dir``.

    The run holds ``<result_dir>/run.lock`` from start to end (introgan_tf/run_lock.py): a second run into the
    same directory ends at once with an InputError.

    Args:
      config: the settings; fields left None take the method's defaults (introgan_tf.methods.resolve_config).
      data: an already loaded dataset (e.g. introgan_tf.testing.synthetic_dataset()); default: local files.

    Raises:
      InputError: bad settings or files, or another run uses ``result_dir``.
      NonFiniteError: a non-finite loss under ``nan_policy="stop"`` (results.json records where).
      StorageError: a write failed (disk full, ...); every file complete before stays complete.
    """
    config = resolve_config(config)
    strategy = runtime.make_strategy(config.train.strategy)  # first: MultiWorkerMirroredStrategy requires it
    chief = runtime.is_chief(strategy)
    with RunLock(config.result_dir) if chief else contextlib.nullcontext():
        with runtime.run_scope(config.train.mixed_precision, strategy):
            experiment = Experiment(config, data, chief=chief)
            try:
                return experiment.run()
            finally:
                if not experiment.chief:
                    shutil.rmtree(experiment.result_dir, ignore_errors=True)
