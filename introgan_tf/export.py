"""SavedModel export with ``generate`` and ``classify`` signatures.

The SavedModel loads with ``tf.saved_model.load`` in a process that has only
TensorFlow.  Labels at the boundary are **original dataset label ids**; the
mapping to the model's internal (class-order) ids is baked into the graph.

    generate(z float32 [N, z_dim], labels int32 [N]) -> {"images": float32 [N, H, W, C] in [-1, 1]}
    classify(images float32 [N, H, W, C] in [-1, 1]) -> {"logits": [N, seen], "labels": int32 [N]}

A classifier-only method (``method.generates`` False) exports ``classify`` only.
An unconditional generator (``method.conditional`` False, e.g. DGR) exports

    generate(z float32 [N, z_dim]) -> {"images": [N, H, W, C] in [-1, 1], "labels": int32 [N]}

where ``labels`` are the method's own classifier's predictions for its images
(original ids), the only class information such a generator has.
"""

import os
import shutil

import numpy as np
import tensorflow as tf


def export_saved_model(method, session, path: str) -> str:
    """Writes the method's current generator and classifier to ``path`` (replacing it)."""
    info = method.info
    generate_fn, classify_fn = method.export_functions()
    seen = np.asarray(session.seen_original, np.int32)
    table = np.full(info.num_classes, -1, np.int32)
    table[seen] = np.arange(len(seen), dtype=np.int32)

    module = tf.Module()
    module.model = method.model  # tracks every variable the functions read
    module.internal_ids = tf.constant(table)
    module.original_ids = tf.constant(seen)
    seen_text = ",".join(str(int(c)) for c in seen)

    @tf.function(input_signature=[tf.TensorSpec([None] + list(info.image_shape), tf.float32, name="images")])
    def classify(images):
        logits = classify_fn(images)
        return {"logits": logits, "labels": tf.gather(module.original_ids, tf.argmax(logits, axis=-1, output_type=tf.int32))}

    module.classify = classify
    signatures = {"classify": classify}
    if method.generates and not getattr(method, "conditional", True):
        @tf.function(input_signature=[tf.TensorSpec([None, method.z_dim], tf.float32, name="z")])
        def generate(z):
            images = generate_fn(z)
            predicted = tf.argmax(classify_fn(images), axis=-1, output_type=tf.int32)
            return {"images": images, "labels": tf.gather(module.original_ids, predicted)}

        module.generate = generate
        signatures["generate"] = generate
    elif method.generates:
        @tf.function(input_signature=[tf.TensorSpec([None, method.z_dim], tf.float32, name="z"),
                                      tf.TensorSpec([None], tf.int32, name="labels")])
        def generate(z, labels):
            valid = tf.logical_and(labels >= 0, labels < info.num_classes)
            internal = tf.where(valid, tf.gather(module.internal_ids,
                                                 tf.clip_by_value(labels, 0, info.num_classes - 1)), -1)
            check = tf.debugging.assert_non_negative(
                internal, message=f"generate: every label must be a seen class (original ids {seen_text})")
            with tf.control_dependencies([check]):
                return {"images": generate_fn(z, internal)}

        module.generate = generate
        signatures["generate"] = generate
    # Write next to the target and swap, so an interrupted export never leaves a half-written model.
    tmp, old = path + ".tmp", path + ".old"
    for stale in (tmp, old):
        shutil.rmtree(stale, ignore_errors=True)
    tf.saved_model.save(module, tmp, signatures=signatures)
    if os.path.exists(path):
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)
    return path
