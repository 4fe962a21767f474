"""Writes the per-class FID statistics of a dataset's real training set.

Usage::

    python -m introgan_tf.precalc_fid --dataset mnist --extractor domain \\
        [--data_dir DIR] [--precalc_dir precalc_fids] [--inception_weights FILE]

For every ORIGINAL label y it writes
``<precalc_dir>/<dataset>/<extractor>/fid_stats_<y + 1>.npz`` with keys ``mu``
(float64 [D]) and ``sigma`` (float32 [D, D], unbiased covariance) over ALL
training images of class y (docs/evaluation.md#fid), and records
the split, the image counts and the preprocessing in that folder's
``manifest.json``.
"""

import argparse
import json
import os
import sys
import time
from typing import Optional, Sequence

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

from introgan_tf.data.dataset_info import DataOptions  # noqa: E402
from introgan_tf.data.datasets import (add_data_arguments, data_flags_text, evaluation_key, load_dataset,  # noqa: E402
                                       options_from_arguments)
from introgan_tf.errors import InputError  # noqa: E402
from introgan_tf.results import atomic_write_text  # noqa: E402
from introgan_tf.evaluation import feature_extractor as fe  # noqa: E402
from introgan_tf.evaluation import fid  # noqa: E402

PREPROCESSING = "uint8 u -> float32 x = u / 127.5 - 1 in [-1, 1] (the quantised generated samples use the same map)"


def compute_class_stats(extractor: fe.FeatureExtractor, images_uint8: np.ndarray, labels: np.ndarray,
                        out_dir: str) -> dict:
    """Writes one statistics file per label present; returns {label: image count}."""
    counts = {}
    for label in np.unique(labels):
        images = images_uint8[labels == label].astype(np.float32) / 127.5 - 1.0
        mu, sigma = fid.statistics_from_activations(extractor.features(images))
        fid.save_stats(os.path.join(out_dir, fid.stats_filename(int(label))), mu, sigma)
        counts[str(int(label))] = int(len(images))
    return counts


def precalc(dataset: str, extractor_name: str, data_dir: Optional[str] = None, precalc_dir: Optional[str] = None,
            inception_weights: Optional[str] = None, options: Optional[DataOptions] = None) -> dict:
    """Computes and writes all statistics of ``dataset`` (read as ``options`` say) into
    ``<precalc_dir>/<evaluation key>/<extractor>/``; returns the updated manifest."""
    name = fe.canonical_name(extractor_name)
    precalc_dir = precalc_dir or fe.default_precalc_dir()
    key = evaluation_key(dataset, options)
    out_dir = fe.extractor_dir(key, name, precalc_dir)
    try:
        extractor = fe.get_feature_extractor(name, key, precalc_dir, inception_weights)
    except InputError as error:
        if name != fe.DOMAIN or "not found" not in str(error):
            raise
        raise InputError(f"{error}; train the domain classifier first: python -m introgan_tf.evaluation."
                         f"train_classifier --dataset {dataset} {data_flags_text(dataset, options, data_dir)}"
                         f"{' --out ' + precalc_dir if precalc_dir != fe.default_precalc_dir() else ''}") from None
    splits = load_dataset(dataset, data_dir, options=options)
    start = time.time()
    counts = compute_class_stats(extractor, splits.x_train, splits.y_train, out_dir)
    manifest = fe.read_manifest(out_dir, required=False)
    manifest.pop("stats_stale", None)
    manifest.update({"extractor": name, "extractor_id": extractor.id, "weights_sha256": extractor.weights_sha256,
                     "feature_dim": extractor.feature_dim, "dataset": dataset,
                     "class_names": list(splits.info.class_names), "data_provenance": list(splits.provenance)})
    if name == fe.INCEPTION:
        manifest["weights_file"] = "user-supplied (--inception_weights); only its sha256 is recorded"
        manifest["preprocessing"] = ("[-1, 1] images, grayscale replicated to 3 channels, bilinear resize to "
                                     "299x299, Keras InceptionV3 include_top=False pooling=avg")
    manifest["stats"] = {
        "split": "train",
        "images_per_class": counts,
        "file_pattern": "fid_stats_<original label + 1>.npz",
        "keys": {"mu": "float64 [D]", "sigma": "float32 [D, D], unbiased covariance (divisor N - 1)"},
        "preprocessing": PREPROCESSING,
        "seconds": round(time.time() - start, 1),
        "command": f"python -m introgan_tf.precalc_fid --dataset {dataset} --extractor {name} "
                   f"{data_flags_text(dataset, options)}".strip(),
    }
    # Atomic, like results.json: an interrupted run never leaves a half-written manifest.
    atomic_write_text(os.path.join(out_dir, fe.MANIFEST_FILE), json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True, help="registry name, e.g. mnist or fashion-mnist")
    parser.add_argument("--extractor", default="domain", help="domain or inception")
    add_data_arguments(parser)
    parser.add_argument("--precalc_dir", default=None, help="root of the FID artefacts (default precalc_fids/)")
    parser.add_argument("--inception_weights", default=None, help="InceptionV3 include_top=False weights file")
    args = parser.parse_args(argv)
    try:
        manifest = precalc(args.dataset, args.extractor, args.data_dir, args.precalc_dir, args.inception_weights,
                           options_from_arguments(args))
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.dataset}/{manifest['extractor']}: {len(manifest['stats']['images_per_class'])} classes, "
          f"{manifest['stats']['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
