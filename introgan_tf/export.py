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

Inputs are checked in the graph, so a wrong input is an ``InvalidArgumentError``
whose message names the argument and what was expected: a z of another width
or rank, labels of another length or an unseen class, images of another shape
or channel count, non-finite values or values outside [-1, 1].  The signatures
(``m.signatures[...]``) take float32 / int32 as above (TensorFlow itself refuses
another dtype, naming the input's position); the same functions as attributes
(``m.generate(z, labels)``, ``m.classify(images)``) also take float64 z and
images, int64 labels and float labels that are whole numbers (anything else:
the message above).  ``m.z_dim`` and ``m.image_shape`` hold the expected sizes.
"""

import os
import shutil

import numpy as np
import tensorflow as tf

from introgan_tf.errors import StorageError, os_error_text


# Images may exceed [-1, 1] by float rounding (x / 127.5 - 1 of uint8 pixels is exact; tanh is in range).
RANGE_TOLERANCE = 1e-4


def _padded_shape(tensor, rank):
    """tf.shape(tensor) padded with -1 to at least ``rank`` entries (comparisons then never fail to broadcast)."""
    return tf.concat([tf.shape(tensor, out_type=tf.int32), -tf.ones([rank], tf.int32)], axis=0)[:rank]


def check_z(z, z_dim: int, name: str = "generate"):
    """z as float32 [N, z_dim], or InvalidArgumentError naming z and the width expected."""
    shape = tf.shape(z, out_type=tf.int32)
    ok = tf.logical_and(tf.equal(tf.size(shape), 2), tf.equal(_padded_shape(z, 2)[1], z_dim))
    check = tf.debugging.Assert(ok, [f"{name}: z must be float32 of shape [N, {z_dim}] (N noise vectors of "
                                     f"width {z_dim}); got shape", shape], summarize=8)
    with tf.control_dependencies([check]):
        return tf.reshape(z, [-1, z_dim])


def check_images(images, image_shape):
    """images as float32 [N, H, W, C] in [-1, 1], or InvalidArgumentError naming images and what was expected."""
    expected = "x".join(str(d) for d in image_shape[:2])
    shape = tf.shape(images, out_type=tf.int32)
    ok = tf.logical_and(tf.equal(tf.size(shape), 4),
                        tf.reduce_all(tf.equal(_padded_shape(images, 4)[1:], list(image_shape))))
    shape_check = tf.debugging.Assert(ok, [
        f"classify: images must be float32 of shape [N, {', '.join(str(d) for d in image_shape)}] (N images of "
        f"{expected} pixels with {image_shape[2]} channel(s)); got shape", shape], summarize=8)
    with tf.control_dependencies([shape_check]):
        images = tf.reshape(images, [-1, *image_shape])
        finite = tf.reduce_all(tf.math.is_finite(images))
        in_range = tf.reduce_all(tf.abs(images) <= 1.0 + RANGE_TOLERANCE)
        value_check = tf.debugging.Assert(tf.logical_and(finite, in_range), [
            "classify: images must be finite values in [-1, 1] (uint8 pixels p: p / 127.5 - 1); got min",
            tf.reduce_min(images), "max", tf.reduce_max(images)])
    with tf.control_dependencies([value_check]):
        return tf.identity(images)


def check_labels(labels, count, num_classes: int):
    """Any integer (or whole-number float) labels [N] as int32, clipped to [-1, num_classes] (out of range: -1)."""
    shape = tf.shape(labels, out_type=tf.int32)
    length = tf.debugging.Assert(tf.logical_and(tf.equal(tf.size(shape), 1), tf.equal(_padded_shape(labels, 1)[0],
                                                                                          count)),
                                 ["generate: labels must be a vector of one class id per row of z, [N]; got shape",
                                  shape, "for N =", count])
    checks = [length]
    if labels.dtype.is_floating:
        checks.append(tf.debugging.Assert(tf.reduce_all(tf.equal(labels, tf.round(labels))),
                                          ["generate: labels must be integer class ids (original label ids)"]))
    with tf.control_dependencies(checks):
        if labels.dtype.is_floating:
            labels = tf.clip_by_value(tf.cast(labels, tf.float64), -1.0, float(num_classes))
        wide = tf.clip_by_value(tf.cast(labels, tf.int64), -1, num_classes)  # no int32 wrap-around
        wide = tf.where(wide >= num_classes, tf.constant(-1, tf.int64), wide)
        return tf.cast(tf.reshape(wide, [-1]), tf.int32)


# The extra dtypes the attribute functions take (traced before saving; cheap: they cast and call the core).
Z_DTYPES = (tf.float32, tf.float64)
LABEL_DTYPES = (tf.int32, tf.int64, tf.float32, tf.float64)
IMAGE_DTYPES = (tf.float32, tf.float64, tf.uint8)


def _any_rank(dtype, name):
    return tf.TensorSpec(None, dtype, name=name)


def export_saved_model(method, session, path: str) -> str:
    """Writes the method's current generator and classifier to ``path`` (replacing it).

    The new model is written beside ``path`` and swapped in, so an interrupted or failed export leaves the
    previous SavedModel complete (``path``, or ``path.old`` if a kill came between the two renames).

    Raises:
      StorageError: the write failed (e.g. disk full), naming the path and the reason.
    """
    info = method.info
    image_shape = tuple(int(d) for d in info.image_shape)
    generate_fn, classify_fn = method.export_functions()
    seen = np.asarray(session.seen_original, np.int32)
    table = np.full(info.num_classes, -1, np.int32)
    table[seen] = np.arange(len(seen), dtype=np.int32)

    module = tf.Module()
    module.model = method.model  # tracks every variable the functions read
    module.internal_ids = tf.constant(table)
    module.original_ids = tf.constant(seen)
    module.image_shape = tf.Variable(list(image_shape), trainable=False, dtype=tf.int32, name="image_shape")
    seen_text = ",".join(str(int(c)) for c in seen)

    @tf.function(input_signature=[_any_rank(tf.float32, "images")])
    def classify(images):
        images = check_images(images, image_shape)
        logits = classify_fn(images)
        return {"logits": logits, "labels": tf.gather(module.original_ids, tf.argmax(logits, axis=-1, output_type=tf.int32))}

    @tf.function
    def classify_any(images):
        return classify(tf.cast(images, tf.float32))

    for dtype in IMAGE_DTYPES:
        classify_any.get_concrete_function(_any_rank(dtype, "images"))
    module.classify = classify_any
    module.classify_float32 = classify
    signatures = {"classify": classify}
    if method.generates:
        z_dim = int(method.z_dim)
        module.z_dim = tf.Variable(z_dim, trainable=False, dtype=tf.int32, name="z_dim")
    if method.generates and not getattr(method, "conditional", True):
        @tf.function(input_signature=[_any_rank(tf.float32, "z")])
        def generate(z):
            images = generate_fn(check_z(z, z_dim))
            predicted = tf.argmax(classify_fn(images), axis=-1, output_type=tf.int32)
            return {"images": images, "labels": tf.gather(module.original_ids, predicted)}

        @tf.function
        def generate_any(z):
            return generate(tf.cast(z, tf.float32))

        for dtype in Z_DTYPES:
            generate_any.get_concrete_function(_any_rank(dtype, "z"))
        module.generate, module.generate_float32 = generate_any, generate
        signatures["generate"] = generate
    elif method.generates:
        @tf.function(input_signature=[_any_rank(tf.float32, "z"), _any_rank(tf.int32, "labels")])
        def generate(z, labels):
            z = check_z(z, z_dim)
            labels = check_labels(labels, tf.shape(z)[0], info.num_classes)
            valid = tf.logical_and(labels >= 0, labels < info.num_classes)
            internal = tf.where(valid, tf.gather(module.internal_ids,
                                                 tf.clip_by_value(labels, 0, info.num_classes - 1)), -1)
            check = tf.debugging.assert_non_negative(
                internal, message=f"generate: every label must be a seen class (original ids {seen_text})")
            with tf.control_dependencies([check]):
                return {"images": generate_fn(z, internal)}

        @tf.function
        def generate_any(z, labels):
            z = tf.cast(z, tf.float32)
            return generate(z, check_labels(labels, tf.shape(z)[0], info.num_classes))

        for z_dtype in Z_DTYPES:
            for label_dtype in LABEL_DTYPES:
                generate_any.get_concrete_function(_any_rank(z_dtype, "z"), _any_rank(label_dtype, "labels"))
        module.generate, module.generate_float32 = generate_any, generate
        signatures["generate"] = generate
    # Write next to the target and swap, so an interrupted export never leaves a half-written model.
    tmp, old = path + ".tmp", path + ".old"
    if not os.path.exists(path) and os.path.isdir(old):  # a kill came between the two renames below
        os.replace(old, path)
    for stale in (tmp, old):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        tf.saved_model.save(module, tmp, signatures=signatures)
        if os.path.exists(path):
            os.replace(path, old)
        os.replace(tmp, path)
    except (tf.errors.OpError, OSError) as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.path.exists(path) and os.path.isdir(old):
            os.replace(old, path)
        raise StorageError(f"cannot write the SavedModel {path}: {os_error_text(error)}") from None
    shutil.rmtree(old, ignore_errors=True)
    return path
