"""Prototype (nearest-class-mean) classifier of IntroGAN (He et al. 2024; docs/methods.md#introgan).

Every seen class k has P real exemplars p_{k,1..P}; their embeddings E(p) are
recomputed with the current discriminator at every step.

* train logits: l_k(x) = -gamma * reduce_j ||E(x) - E(p_{k,j})||^2, reduce = min (default),
  max, mean, or one random index shared by all classes (``rigorous``);
* test logits:  l_k(x) = -gamma * ||E(x) - c_k||^2 with c_k = mean_j E(p_{k,j})
  (``rel_center``), c_k = E(p_{k,idx}) (``fixed_center``), or the train rule
  (``multi_center``);
* cosine: l = +gamma * cos(E(x), .); "nearest" is the highest similarity, a
  documented deviation from the original.

Distances use ||a||^2 - 2 a.b + ||b||^2 in float32 on a [B, C*P] matrix, never a
B x C x P x D tensor.
"""

from keras import ops


def pairwise_squared_l2(a, b):
    """||a_i - b_j||^2 for a [N, D], b [M, D] -> [N, M], clamped at 0, in float32."""
    a = ops.cast(a, "float32")
    b = ops.cast(b, "float32")
    a2 = ops.sum(a * a, axis=1, keepdims=True)
    b2 = ops.sum(b * b, axis=1)
    return ops.maximum(a2 - 2.0 * ops.matmul(a, ops.transpose(b)) + b2[None, :], 0.0)


def pairwise_cosine(a, b):
    """cos(a_i, b_j) for a [N, D], b [M, D] -> [N, M], in float32."""
    a = ops.cast(a, "float32")
    b = ops.cast(b, "float32")
    a = a / ops.maximum(ops.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / ops.maximum(ops.norm(b, axis=1, keepdims=True), 1e-12)
    return ops.matmul(a, ops.transpose(b))


def _scores(embeddings, anchors, dist_func):
    """Similarity scores (higher = nearer): -||.||^2 or cos."""
    if dist_func == "squared_l2":
        return -pairwise_squared_l2(embeddings, anchors)
    if dist_func == "cosine":
        return pairwise_cosine(embeddings, anchors)
    raise ValueError(f"unknown dist_func {dist_func!r}")


def prototype_logits(embeddings, proto_embeddings, num_classes, dist_func="squared_l2", gamma=0.01,
                     reduction="min", random_index=None):
    """Train-time logits [B, C] from the prototypes' embeddings [C*P, D] (class-major).

    Args:
      reduction: "min" (nearest prototype), "max" (farthest), "mean", or "random"
        (use ``random_index``, one prototype index shared by all classes).
    """
    scores = _scores(embeddings, proto_embeddings, dist_func)
    scores = ops.reshape(scores, (ops.shape(scores)[0], num_classes, -1))
    # "min" distance == max score; "max" distance == min score (same for cosine by our deviation).
    if reduction == "min":
        reduced = ops.max(scores, axis=2)
    elif reduction == "max":
        reduced = ops.min(scores, axis=2)
    elif reduction == "mean":
        reduced = ops.mean(scores, axis=2)
    elif reduction == "random":
        reduced = ops.take(scores, random_index, axis=2)
    else:
        raise ValueError(f"unknown reduction {reduction!r}")
    return gamma * reduced


def class_centers(proto_embeddings, num_classes, center_type="rel_center", fixed_center_idx=0):
    """Class centres [C, D]: the mean prototype embedding, or one fixed prototype."""
    per_class = ops.reshape(ops.cast(proto_embeddings, "float32"), (num_classes, -1, ops.shape(proto_embeddings)[-1]))
    if center_type == "rel_center":
        return ops.mean(per_class, axis=1)
    if center_type == "fixed_center":
        return per_class[:, fixed_center_idx, :]
    raise ValueError(f"no centres for center_type {center_type!r}")


def center_logits(embeddings, centers, dist_func="squared_l2", gamma=0.01):
    """Test-time logits [B, C] against class centres [C, D]."""
    return gamma * _scores(embeddings, centers, dist_func)


def test_logits(embeddings, proto_embeddings, num_classes, dist_func="squared_l2", gamma=0.01,
                center_type="rel_center", fixed_center_idx=0):
    """Test-time logits for any ``center_type``."""
    if center_type == "multi_center":
        return prototype_logits(embeddings, proto_embeddings, num_classes, dist_func, gamma, "min")
    centers = class_centers(proto_embeddings, num_classes, center_type, fixed_center_idx)
    return center_logits(embeddings, centers, dist_func, gamma)


def center_pull(embeddings, labels, centers, dist_func="squared_l2"):
    """Per-sample centre-pull term ||c_y - E(x)||^2 (or -cos-product mean, as the original)."""
    target = ops.take(centers, labels, axis=0)
    embeddings = ops.cast(embeddings, "float32")
    if dist_func == "squared_l2":
        return ops.sum(ops.square(target - embeddings), axis=1)
    a = embeddings / ops.maximum(ops.norm(embeddings, axis=1, keepdims=True), 1e-12)
    b = target / ops.maximum(ops.norm(target, axis=1, keepdims=True), 1e-12)
    return -ops.mean(a * b, axis=1)
