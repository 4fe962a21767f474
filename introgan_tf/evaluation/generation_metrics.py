"""End-of-session generation metrics: per-class FID and accuracy on generated samples.

* Per-class FID (docs/evaluation.md#fid; Heusel et al. 2017): for every seen class,
  ``eval_config.fid_samples_per_class`` samples are generated in single-class
  batches, quantised to uint8 with q(x) = floor((x + 1) * 127.5) and mapped
  back to [-1, 1] (so they look exactly like stored images), embedded by the
  feature extractor, and compared with the shipped statistics of the same
  ORIGINAL class.  No JPEG round trip (the original's, lossy, is not reproduced).
* Accuracy on generated samples (MeRGAN, Wu et al. 2018; docs/evaluation.md#accuracy-on-generated-samples):
  the fraction of class-l samples that the domain classifier assigns to
  original label l (argmax over all 10 labels), averaged over seen classes.
  It uses the FID samples when FID is computed; with ``skip_fid`` it
  generates min(1000, fid_samples_per_class) samples per class, which is cheap.
  (MeRGAN used 100 x 64 = 6400; the count is recorded in the result.)
* Unconditional methods (e.g. DGR) sample a class by keeping the generated
  images their own classifier assigns to it; ``sample_fn`` raises
  :class:`ClassNotGenerated` when it cannot fill a class.  That class's FID and
  generated accuracy are then NaN (undefined), and the result records the
  samples obtained per class; another class is never substituted
  (docs/methods.md#dgr).  The means over classes are NaN as soon as one class is
  undefined: averaging over the generated classes only would reward a
  generator that drops classes.
"""

import functools
import os
import time
from typing import Callable, Optional, Sequence

import numpy as np

from introgan_tf.data.pipeline import quantize_to_uint8
from introgan_tf.errors import InputError
from introgan_tf.evaluation import feature_extractor as fe
from introgan_tf.evaluation import fid

SKIP_FID_ACCURACY_SAMPLES = 1000

SampleFn = Callable[[np.ndarray], np.ndarray]


class ClassNotGenerated(Exception):
    """An unconditional method's ``sample_fn`` could not produce enough samples of one class.

    Attributes:
      label: the requested class (the model's new-label id).
      found: samples of that class obtained in the failing call.
      requested: samples asked for in that call.
      candidates: generated candidates examined.
    """

    def __init__(self, label: int, found: int, requested: int, candidates: int):
        super().__init__(f"class {label}: {found} of {requested} samples among {candidates} generated candidates")
        self.label, self.found = int(label), int(found)
        self.requested, self.candidates = int(requested), int(candidates)


def mean_over_classes(values) -> float:
    """Mean of per-class values; NaN when any class is undefined (NaN), never a mean over the rest."""
    values = [float(v) for v in values]
    return float("nan") if any(np.isnan(v) for v in values) else float(np.mean(values))


@functools.lru_cache(maxsize=4)
def _cached_extractor(name: str, dataset: str, precalc_dir: Optional[str], inception_weights: Optional[str]):
    """Builds an extractor once per run, not once per session (building InceptionV3 takes seconds)."""
    return fe.get_feature_extractor(name, dataset, precalc_dir, inception_weights)


def _check_stats_match(extractor, stats_dir: str) -> None:
    """Refuses statistics computed with other weights or another extractor (decision (c))."""
    manifest = fe.read_manifest(stats_dir, required=False)
    for key, value in (("extractor_id", extractor.id), ("weights_sha256", extractor.weights_sha256)):
        if manifest.get(key) and value and manifest[key] != value:
            raise InputError(f"{stats_dir}/{fe.MANIFEST_FILE}: statistics were computed with {key} "
                             f"{manifest[key][:16]}, but the extractor has {value[:16]}; rerun precalc_fid")


def _generate(sample_fn: SampleFn, new_label: int, count: int, batch_size: int):
    """Yields quantised samples of one class, float32 in [-1, 1], in single-class batches."""
    done = 0
    while done < count:
        size = min(batch_size, count - done)
        images = np.asarray(sample_fn(np.full([size], new_label, np.int32)), np.float32)
        if images.ndim != 4 or len(images) != size:
            raise ValueError(f"sample_fn returned shape {images.shape} for {size} labels; expected [N, H, W, C]")
        # Evaluate what would be stored/shown: uint8 pixels, mapped back as the data pipeline does.
        yield quantize_to_uint8(images).astype(np.float32) / 127.5 - 1.0
        done += size


def evaluate_generation(sample_fn: SampleFn, seen_new_labels: Sequence[int], seen_original_labels: Sequence[int],
                        dataset: str, eval_config, batch_size: int = 500,
                        feature_extractor: Optional[fe.FeatureExtractor] = None, evaluator=None) -> dict:
    """Per-class FID and generated-sample accuracy of a conditional generator.

    Args:
      sample_fn: ``sample_fn(new_labels int32 [B]) -> float32 [B, H, W, C]`` in
        [-1, 1], conditioned on the model's (relabelled) class ids.
      seen_new_labels: the model's ids of the seen classes.
      seen_original_labels: the matching original dataset labels (same order).
      dataset: registry name (selects the statistics and the evaluator).
      eval_config: an :class:`introgan_tf.config.EvalConfig` (``skip_fid``,
        ``fid_samples_per_class``, ``fid_extractor``, ``inception_weights``,
        ``precalc_fid_dir``).
      batch_size: samples per ``sample_fn`` call.
      feature_extractor: FID extractor to use instead of the configured one
        (tests); statistics are still read from
        ``<precalc_fid_dir>/<dataset>/<eval_config.fid_extractor>/``.
      evaluator: object with ``classify(images) -> logits [N, 10]`` over
        original labels (default: the domain extractor, or the FID extractor
        itself if it can classify).

    Returns:
      JSON-ready dict: ``fid`` {original label str: float}, ``fid_mean``,
      ``fid_extractor``, ``fid_extractor_sha256``, ``fid_samples_per_class``
      (absent with ``skip_fid``); ``generated_accuracy`` {original label str:
      fraction}, ``generated_accuracy_mean``,
      ``generated_accuracy_samples_per_class``,
      ``generated_accuracy_evaluator`` (+ ``_sha256``, ``_test_accuracy``);
      ``seconds``; only if ``sample_fn`` raised :class:`ClassNotGenerated`:
      ``classes_not_generated`` [original labels] and
      ``generated_samples_per_class`` {original label str: samples obtained}.

    Raises:
      InputError: missing or mismatching extractor files or statistics.
    """
    start = time.time()
    new_labels = [int(c) for c in seen_new_labels]
    original_labels = [int(c) for c in seen_original_labels]
    if len(new_labels) != len(original_labels) or not new_labels:
        raise ValueError(f"need matching non-empty label lists, got {new_labels} and {original_labels}")
    samples = int(eval_config.fid_samples_per_class)
    if samples < 2:
        raise ValueError(f"fid_samples_per_class must be >= 2, got {samples}")
    compute_fid = not eval_config.skip_fid

    extractor = None
    stats_dir = None
    if compute_fid:
        extractor = feature_extractor or _cached_extractor(
            eval_config.fid_extractor, dataset, eval_config.precalc_fid_dir, eval_config.inception_weights)
        stats_dir = fe.extractor_dir(dataset, eval_config.fid_extractor, eval_config.precalc_fid_dir)
        _check_stats_match(extractor, stats_dir)
    if evaluator is None:
        evaluator = extractor if hasattr(extractor, "classify") else _cached_extractor(
            fe.DOMAIN, dataset, eval_config.precalc_fid_dir, None)
    count = samples if compute_fid else min(SKIP_FID_ACCURACY_SAMPLES, samples)
    one_pass = compute_fid and evaluator is extractor and hasattr(extractor, "features_and_logits")

    fids, accuracies, obtained, not_generated = {}, {}, {}, []
    for new_label, original in zip(new_labels, original_labels):
        features, correct, done = [], 0, 0
        try:
            for images in _generate(sample_fn, new_label, count, batch_size):
                if one_pass:
                    batch_features, logits = extractor.features_and_logits(images)
                else:
                    batch_features = extractor.features(images) if compute_fid else None
                    logits = evaluator.classify(images)
                if compute_fid:
                    features.append(batch_features)
                correct += int(np.sum(np.argmax(np.asarray(logits), axis=1) == original))
                done += len(images)
        except ClassNotGenerated as error:  # undefined for this class; never substitute another class
            obtained[str(original)] = done + error.found
            not_generated.append(original)
            accuracies[str(original)] = float("nan")
            if compute_fid:
                fids[str(original)] = float("nan")
            continue
        obtained[str(original)] = done
        accuracies[str(original)] = correct / count
        if compute_fid:
            mu, sigma = fid.statistics_from_activations(np.concatenate(features))
            ref_mu, ref_sigma = fid.load_stats(f"{stats_dir}/{fid.stats_filename(original)}")
            if ref_mu.shape != mu.shape:
                raise InputError(f"{stats_dir}/{fid.stats_filename(original)}: statistics of dimension "
                                 f"{ref_mu.shape[0]}, extractor gives {mu.shape[0]}")
            fids[str(original)] = fid.frechet_distance(mu, sigma, ref_mu, ref_sigma)

    result = {}
    if compute_fid:
        result.update({"fid": fids, "fid_mean": mean_over_classes(fids.values()), "fid_extractor": extractor.id,
                       "fid_extractor_sha256": extractor.weights_sha256, "fid_samples_per_class": count})
    result.update({
        "generated_accuracy": accuracies,
        "generated_accuracy_mean": mean_over_classes(accuracies.values()),
        "generated_accuracy_samples_per_class": count,
        "generated_accuracy_evaluator": getattr(evaluator, "id", type(evaluator).__name__),
        "generated_accuracy_evaluator_sha256": getattr(evaluator, "weights_sha256", None),
        "generated_accuracy_evaluator_test_accuracy": getattr(evaluator, "test_accuracy", None),
        "seconds": time.time() - start,
    })
    if not_generated:  # only unconditional methods get here
        result.update(classes_not_generated=not_generated, generated_samples_per_class=obtained)
    return result


def check_ready(dataset: str, eval_config, original_labels: Sequence[int], build_hint: Optional[str] = None) -> None:
    """Fails fast, before any training, if the end-of-session metrics could not run.

    Builds the evaluator (and the FID extractor unless ``skip_fid``) and reads the
    statistics of every class in ``original_labels``.

    Raises:
      InputError: naming the missing or malformed file.
    """
    try:
        evaluator = fe.get_feature_extractor(fe.DOMAIN, dataset, eval_config.precalc_fid_dir)
        if eval_config.skip_fid:
            return
        extractor = evaluator if fe.canonical_name(eval_config.fid_extractor) == fe.DOMAIN else \
            fe.get_feature_extractor(eval_config.fid_extractor, dataset, eval_config.precalc_fid_dir,
                                     eval_config.inception_weights)
        stats_dir = fe.extractor_dir(dataset, eval_config.fid_extractor, eval_config.precalc_fid_dir)
        _check_stats_match(extractor, stats_dir)
        for original in original_labels:
            fid.load_stats(f"{stats_dir}/{fid.stats_filename(int(original))}")
    except InputError as error:
        if "not found" not in str(error):
            raise
        raise InputError(f"{error}; build them once with: {build_hint or build_commands(dataset, eval_config)} "
                         f"(or run with --skip_fid)") from None


def build_commands(dataset: str, eval_config, data_flags: str = "") -> str:
    """The commands that build ``dataset``'s domain classifier and FID statistics (one line, ``&&``-joined).

    ``data_flags``: the run's data flags (``--data_dir ... --svhn_labels ...``) to pass on."""
    extra = f" {data_flags}" if data_flags else ""
    out = f" --out {eval_config.precalc_fid_dir}" if eval_config.precalc_fid_dir else ""
    precalc = f" --precalc_dir {eval_config.precalc_fid_dir}" if eval_config.precalc_fid_dir else ""
    extractor = fe.canonical_name(eval_config.fid_extractor)
    commands = [f"python -m introgan_tf.evaluation.train_classifier --dataset {dataset}{extra}{out}"]
    if extractor == fe.DOMAIN:
        commands.append(f"python -m introgan_tf.precalc_fid --dataset {dataset}{extra}{precalc}")
    else:
        commands.append(f"python -m introgan_tf.precalc_fid --dataset {dataset} --extractor {extractor} "
                        f"--inception_weights {eval_config.inception_weights or 'WEIGHTS.h5'}{extra}{precalc}")
    return " && ".join(commands)


def evaluator_available(dataset: str, eval_config) -> bool:
    """Whether ``dataset`` has a domain classifier (the evaluator of the accuracy on generated samples)."""
    return os.path.isfile(os.path.join(fe.extractor_dir(dataset, fe.DOMAIN, eval_config.precalc_fid_dir),
                                       fe.MANIFEST_FILE))
