"""Trains the domain classifier and ships it to ``precalc_fids/<dataset>/domain/``.

Usage::

    python -m introgan_tf.evaluation.train_classifier --dataset mnist \\
        [--data_dir DIR] [--out precalc_fids] [--epochs 8] [--seed 1993]

Writes ``domain_classifier.weights.h5`` and ``manifest.json`` (extractor id,
architecture, training recipe and seed, sha256 of the weights, feature
dimension, test accuracy, preprocessing); docs/evaluation.md#fid and
#accuracy-on-generated-samples.  After retraining, regenerate the statistics with
``python -m introgan_tf.precalc_fid``: the extractor refuses statistics whose
manifest names other weights.

The flags are local to this utility (argparse), not part of ``flags/``.
"""

import argparse
import json
import os
import sys
import time
from typing import Optional, Sequence

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from introgan_tf.data.dataset_info import DataOptions  # noqa: E402
from introgan_tf.data.datasets import (add_data_arguments, data_flags_text, evaluation_key, load_dataset,  # noqa: E402
                                       options_from_arguments)
from introgan_tf.errors import InputError  # noqa: E402
from introgan_tf.results import atomic_write_text  # noqa: E402
from introgan_tf.evaluation import domain_classifier  # noqa: E402
from introgan_tf.evaluation.feature_extractor import (DOMAIN_WEIGHTS_FILE, MANIFEST_FILE,  # noqa: E402
                                                      sha256_of)

WEIGHTS_FILE = DOMAIN_WEIGHTS_FILE
PREPROCESSING = ("uint8 u -> float32 x = u / 127.5 - 1 in [-1, 1], shape [N, 28, 28, 1]; generated samples are "
                 "first quantised with q(x) = floor((x + 1) * 127.5)")


def _augment(images, max_shift: int):
    """Random translation by up to ``max_shift`` pixels (pad with -1 = black, random crop)."""
    if max_shift <= 0:
        return images
    padded = tf.pad(images, [[0, 0], [max_shift, max_shift], [max_shift, max_shift], [0, 0]], constant_values=-1.0)
    return tf.image.random_crop(padded, tf.shape(images))


def _train_dataset(x_uint8: np.ndarray, y: np.ndarray, batch_size: int, seed: int, max_shift: int):
    images = tf.constant(x_uint8)
    labels = tf.constant(y.astype(np.int32))

    def gather(index):
        batch = tf.cast(tf.gather(images, index), tf.float32) / 127.5 - 1.0
        return _augment(batch, max_shift), tf.gather(labels, index)

    return (tf.data.Dataset.range(len(x_uint8)).shuffle(len(x_uint8), seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size).map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))


def evaluate_accuracy(model: keras.Model, x_uint8: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> float:
    """Plain top-1 accuracy of ``model`` on uint8 images."""
    correct = 0
    for start in range(0, len(x_uint8), batch_size):
        batch = x_uint8[start:start + batch_size].astype(np.float32) / 127.5 - 1.0
        logits = model(batch, training=False)
        correct += int(np.sum(np.argmax(np.asarray(logits), axis=1) == y[start:start + batch_size]))
    return correct / len(x_uint8)


def save_inference_weights(model: keras.Model, path: str) -> None:
    """Saves only the layer weights (no optimizer state, which would triple the shipped file)."""
    clean = domain_classifier.build_domain_classifier(model.input_shape[1:], int(model.output_shape[-1]),
                                                      int(model.get_layer(domain_classifier.FEATURE_LAYER).units))
    clean.set_weights(model.get_weights())
    clean.save_weights(path)


def train(dataset: str, data_dir: Optional[str], out_dir: str, epochs: int = 8, batch_size: int = 128,
          learning_rate: float = 2e-3, max_shift: int = 0, seed: int = 1993, verbose: int = 2,
          options: Optional[DataOptions] = None) -> dict:
    """Trains, evaluates and writes weights + manifest; returns the manifest.

    Recipe: Adam (lr ``learning_rate``, cosine decay to 0 over all steps),
    batch 128, softmax cross-entropy, optional random shifts of up to
    ``max_shift`` pixels (off by default), seeded with ``keras.utils.set_random_seed(seed)``; the test set is
    used once, after training (no model selection on it).
    """
    splits = load_dataset(dataset, data_dir, options=options)
    keras.utils.set_random_seed(seed)
    model = domain_classifier.build_domain_classifier(splits.info.image_shape, splits.info.num_classes)
    steps = epochs * int(np.ceil(len(splits.x_train) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.time()
    model.fit(_train_dataset(splits.x_train, splits.y_train, batch_size, seed, max_shift), epochs=epochs,
              verbose=verbose)
    train_seconds = time.time() - start
    test_accuracy = evaluate_accuracy(model, splits.x_test, splits.y_test)

    target = os.path.join(out_dir, evaluation_key(dataset, options), "domain")
    os.makedirs(target, exist_ok=True)
    weights_path = os.path.join(target, WEIGHTS_FILE)
    save_inference_weights(model, weights_path)
    manifest = {
        "extractor": "domain",
        "extractor_id": domain_classifier.EXTRACTOR_ID,
        "dataset": dataset,
        "architecture": domain_classifier.ARCHITECTURE,
        "builder": "introgan_tf.evaluation.domain_classifier.build_domain_classifier",
        "feature_layer": domain_classifier.FEATURE_LAYER,
        "feature_dim": domain_classifier.FEATURE_DIM,
        "num_classes": splits.info.num_classes,
        "image_shape": list(splits.info.image_shape),
        "labels": f"original dataset labels 0..{splits.info.num_classes - 1}",
        "class_names": list(splits.info.class_names),
        "data_provenance": list(splits.provenance),
        "weights_file": WEIGHTS_FILE,
        "weights_sha256": sha256_of(weights_path),
        "training": {
            "split": "train",
            "images": int(len(splits.x_train)),
            "optimizer": "Adam",
            "learning_rate": learning_rate,
            "schedule": "cosine decay to 0",
            "batch_size": batch_size,
            "epochs": epochs,
            "augmentation": (f"random translation up to {max_shift} px (pad -1, random crop)" if max_shift > 0
                             else "none"),
            "loss": "softmax cross-entropy",
            "seed": seed,
            "seconds": round(train_seconds, 1),
            "software": f"keras {keras.__version__}, tensorflow {tf.__version__}",
        },
        "test_accuracy": test_accuracy,
        "test_images": int(len(splits.x_test)),
        "preprocessing": PREPROCESSING,
        "command": f"python -m introgan_tf.evaluation.train_classifier --dataset {dataset} --epochs {epochs} "
                   f"--batch_size {batch_size} --learning_rate {learning_rate} --max_shift {max_shift} --seed {seed} "
                   f"{data_flags_text(dataset, options)}".strip(),
    }
    manifest_path = os.path.join(target, MANIFEST_FILE)
    old = {}
    if os.path.isfile(manifest_path):
        with open(manifest_path) as handle:
            old = json.load(handle)
    if old.get("stats") and old.get("weights_sha256") != manifest["weights_sha256"]:
        # Statistics of the old weights are now stale; say so rather than silently keep them.
        manifest["stats_stale"] = "weights retrained; rerun python -m introgan_tf.precalc_fid"
    elif old.get("stats"):
        manifest["stats"] = old["stats"]
    # Atomic, like results.json: an interrupted run never leaves a half-written manifest.
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True, help="registry name, e.g. mnist or fashion-mnist")
    add_data_arguments(parser)
    parser.add_argument("--out", default="precalc_fids", help="root of the shipped FID artefacts")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--learning_rate", type=float, default=2e-3)
    parser.add_argument("--max_shift", type=int, default=0, help="optional augmentation: max translation in pixels")
    parser.add_argument("--seed", type=int, default=1993)
    args = parser.parse_args(argv)
    try:
        manifest = train(args.dataset, args.data_dir, args.out, epochs=args.epochs, batch_size=args.batch_size,
                         learning_rate=args.learning_rate, max_shift=args.max_shift, seed=args.seed,
                         options=options_from_arguments(args))
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.dataset}: test accuracy {manifest['test_accuracy']:.4f}, "
          f"{manifest['training']['seconds']:.0f} s, sha256 {manifest['weights_sha256'][:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
