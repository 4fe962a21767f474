"""``--test`` mode: re-evaluate a finished run without training (as MeRGAN's and DGR's ``--test``).

For every session of ``result_dir`` whose end-of-session checkpoint is complete,
the method's model is rebuilt and restored, then evaluated again:

* accuracy and prefix accuracies on the seen classes' test images (the same
  protocol as training; the scenario decides what a prefix is);
* per-class FID and generated-sample accuracy with the *given* evaluation
  settings (so a run trained with ``--skip_fid`` can get its FID later, or more
  samples per class);
* the fixed-noise sample grid (the noise saved with the run is reused).

Everything goes to ``<result_dir>/test/`` (``results.json`` and
``samples/session_<s>.png``); the training results, checkpoints and exports are
only read, never written.  The run's own settings come from its results.json.
"""

import os
import time
from typing import Optional

import keras

from introgan_tf.checkpointing import SessionCheckpointer
from introgan_tf.config import EvalConfig, ExperimentConfig
from introgan_tf.data.dataset_info import DatasetSplits
from introgan_tf.data.datasets import evaluation_key
from introgan_tf.errors import InputError
from introgan_tf.evaluation import accuracy, continual_metrics
from introgan_tf.evaluation.session_evaluator import SessionEvaluator
from introgan_tf.experiment import load_data, make_scenario
from introgan_tf.methods import get_method
from introgan_tf.results import atomic_write_text, dumps_strict, read_results
from introgan_tf.run_lock import RunLock
from introgan_tf.visualization import save_png

TEST_DIR = "test"


def stored_config(result_dir: str, eval_config: Optional[EvalConfig]) -> ExperimentConfig:
    """The run's config from its results.json, with this command's evaluation settings if given."""
    path = os.path.join(result_dir, "results.json")
    if not os.path.isfile(path):
        raise InputError(f"--test: {path} not found; --result_dir must be the directory of a run")
    stored = read_results(path)
    if "config" not in stored:
        raise InputError(f"--test: {path} has no 'config'; it was not written by introgan_tf")
    config = ExperimentConfig.from_dict(stored["config"]).replace(result_dir=result_dir, resume=False)
    return config.replace(eval=eval_config) if eval_config is not None else config


def run_test(result_dir: str, eval_config: Optional[EvalConfig] = None,
             data: Optional[DatasetSplits] = None) -> dict:
    """Re-evaluates every complete session of ``result_dir`` under its run lock; see :func:`_run_test`."""
    if not os.path.isdir(result_dir):
        raise InputError(f"--test: {result_dir} is not a directory; --result_dir must be the directory of a run")
    with RunLock(result_dir):  # not while a training run writes there
        return _run_test(result_dir, eval_config, data)


def _run_test(result_dir: str, eval_config: Optional[EvalConfig] = None,
              data: Optional[DatasetSplits] = None) -> dict:
    """Re-evaluates every complete session of ``result_dir``; returns the test record (also written to disk).

    Args:
      result_dir: a run's directory (its results.json and checkpoints are only read).
      eval_config: evaluation settings to use instead of the run's own.
      data: the run's dataset if already loaded; default: local files as the run's config says.
    """
    config = stored_config(result_dir, eval_config)
    checkpointer = SessionCheckpointer(os.path.join(result_dir, "checkpoints"))
    first = checkpointer.info(1)
    if first is None or not first.complete:  # before loading any data
        raise InputError(f"--test: {result_dir}/checkpoints has no complete session; train first "
                         f"(or --resume an interrupted run)")
    keras.utils.set_random_seed(config.seed)
    data = data if data is not None else load_data(config)
    scenario = make_scenario(config, data)
    sessions = scenario.sessions[:config.num_sessions]
    method_class = get_method(config.method)
    complete = []
    for session in sessions:
        found = checkpointer.info(session.index)
        if found is None or not found.complete:
            break
        complete.append((session, found))
    # The run's own fixed noise (samples/fixed_noise.npy), so the grids compare with the training run's.
    evaluator = SessionEvaluator(scenario, evaluation_key(config.dataset, config.data), config.eval, config.seed,
                                 os.path.join(result_dir, "samples"), registry_name=config.dataset)
    evaluator.check_ready(method_class, [session for session, _ in complete])
    method = method_class(config, data.info, scenario)
    out_dir = os.path.join(result_dir, TEST_DIR)
    os.makedirs(os.path.join(out_dir, "samples"), exist_ok=True)
    record = {"method": config.method, "dataset": config.dataset, "source_run": os.path.abspath(result_dir),
              "eval_config": vars(config.eval), "sessions": []}
    for session, found in complete:
        started = time.time()
        method.build_session_model(session)
        checkpointer.restore(method, found)
        method.end_session(session)
        prefixes = evaluator.accuracy(method, session)
        entry = dict(session.as_record(), accuracy=prefixes[-1],
                     evaluations=[{"iteration": found.iteration, "accuracy": prefixes[-1],
                                   "prefix_accuracies": prefixes}])
        entry.update(evaluator.generation(method, session) or {})
        grid = evaluator.sample_grid(method, session)
        if grid is not None:
            save_png(grid, os.path.join(out_dir, "samples", f"session_{session.index}.png"))
        entry["seconds"] = time.time() - started
        record["sessions"].append(entry)
        print(f"[introgan_tf] --test session {session.index}: accuracy {prefixes[-1]:.4f}"
              + (f", generated accuracy {entry['generated_accuracy_mean']:.4f}"
                 if "generated_accuracy_mean" in entry else "")
              + (f", FID mean {entry['fid_mean']:.2f}" if "fid_mean" in entry else ""), flush=True)
    # End-of-session accuracies only: the training run's TA-ACC also averages its intermediate evaluations.
    record["ta_acc_end_of_session"] = accuracy.ta_acc(record["sessions"])
    record["accuracy_matrix"] = continual_metrics.accuracy_matrix(record["sessions"])
    if record["sessions"] and all("fid" in s for s in record["sessions"]):
        record["ta_fid"] = continual_metrics.ta_fid_from_sessions(record["sessions"], config.nb_cl)
    record["complete_sessions"] = len(complete)
    atomic_write_text(os.path.join(out_dir, "results.json"), dumps_strict(record))
    print(f"[introgan_tf] --test: {len(complete)} session(s) re-evaluated; results in {out_dir}/results.json",
          flush=True)
    return record

