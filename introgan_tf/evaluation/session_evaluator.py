"""Evaluating a method on a session: the one path that training and ``--test`` share (docs/evaluation.md).

* accuracy and the prefix accuracies on the test images of the seen classes, under the scenario's protocol
  (accuracy.py);
* generation metrics: per-class FID and the domain classifier's accuracy on generated samples
  (generation_metrics.py), for methods that generate on scenarios whose samples compare with the dataset's
  classes;
* the fixed-noise sample grid, one row per seen class (the noise is saved with the run).
"""

import os
from typing import Optional

import numpy as np

from introgan_tf.data.pipeline import INFERENCE_BATCH, to_unit_range
from introgan_tf.evaluation.accuracy import session_prefix_accuracies
from introgan_tf.evaluation.generation_metrics import (build_commands, check_ready, evaluate_generation,
                                                       evaluator_available)
from introgan_tf.visualization import class_grid, fixed_noise


class SessionEvaluator:
    """Evaluates any method on any session of one scenario.

    Args:
      scenario: the run's scenario (its test data, prefix protocol and whether generation metrics apply).
      dataset: the folder of the FID statistics and the domain classifier under precalc_fids/ (the registry
        name, or ``datasets.evaluation_key``'s variant of it).
      eval_config: an EvalConfig (FID on or off, samples per class, extractor).
      seed: the run seed (the grid's fixed noise is drawn from it).
      samples_dir: where the run's fixed noise is saved (``<result_dir>/samples``).
      data_flags: the run's data flags, passed on in the printed build commands.
      registry_name: the ``--dataset`` name those commands use (default ``dataset``).
    """

    def __init__(self, scenario, dataset: str, eval_config, seed: int, samples_dir: str, data_flags: str = "",
                 registry_name: Optional[str] = None):
        self.scenario = scenario
        # The commands that build this dataset's artefacts, printed when they are missing.
        self.build_hint = build_commands(registry_name or dataset, eval_config, data_flags)
        # --skip_fid needs no artefacts: without a domain classifier for this dataset (a colour set the user has
        # not built one for) the accuracy on generated samples is left out too, said once, never a failure.
        self.evaluator_missing = eval_config.skip_fid and not evaluator_available(dataset, eval_config)
        self.dataset = dataset
        self.eval_config = eval_config
        self.seed = seed
        self.samples_dir = samples_dir
        self._test = (None, None)  # (session index, (uint8 images, labels))

    def generation_applies(self, method_class) -> bool:
        """FID / generated accuracy need a generator and samples comparable with the dataset's classes."""
        return method_class.generates and self.scenario.generation_metrics_apply and not self.evaluator_missing

    def check_ready(self, method_class, sessions) -> None:
        """Fails fast, before any training, if the generation metrics of ``sessions`` could not run."""
        if sessions and method_class.generates and self.scenario.generation_metrics_apply and self.evaluator_missing:
            print(f"[introgan_tf] no domain classifier for {self.dataset}: the accuracy on generated samples is not "
                  f"measured (build it with: {self.build_hint})", flush=True)
        if sessions and self.generation_applies(method_class):
            check_ready(self.dataset, self.eval_config, sessions[-1].seen_original, self.build_hint)

    def test_data(self, session):
        """The seen classes' uint8 test images and their labels (selected once per session).

        Kept as uint8, not as float images in [-1, 1]: a float copy is 4x the bytes (31 MiB at 10 MNIST classes),
        held for the whole session; :meth:`accuracy` converts one classify batch at a time instead."""
        index, data = self._test
        if index != session.index:
            data = self.scenario.test_data(session)
            self._test = (session.index, data)
        return data

    def accuracy(self, method, session) -> list:
        """[A_1, ..., A_s]: the prefix accuracies of ``method`` now; the last one is over every seen class."""
        images, labels = self.test_data(session)
        # The same batches as method.classify's own (INFERENCE_BATCH), so the logits are the same bits.
        logits = np.concatenate([method.classify(to_unit_range(images[i:i + INFERENCE_BATCH]).numpy())
                                 for i in range(0, len(images), INFERENCE_BATCH)])
        return session_prefix_accuracies(self.scenario, logits, labels, session)

    def generation(self, method, session, eval_config=None) -> Optional[dict]:
        """Per-class FID (unless skip_fid) and generated accuracy of every seen class; None if they do not apply.

        ``eval_config`` overrides the evaluator's (e.g. no FID at the points within a session)."""
        if not self.generation_applies(type(method)):
            return None
        return evaluate_generation(method.sample, list(range(session.num_seen)), session.seen_original,
                                   self.dataset, eval_config or self.eval_config)

    def sample_grid(self, method, session) -> Optional[np.ndarray]:
        """uint8 grid of fixed-noise samples, one row per seen class; None for a method that does not generate."""
        if not method.generates:
            return None
        z = fixed_noise(method.z_dim, self.seed, self.samples_dir)
        return class_grid(method.sample, session.num_seen, z)
