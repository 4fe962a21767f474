"""Low-rank compression of GAN Memory's G style (``--gm_lowrank``; docs/methods.md#gan_memory).

Cong et al., *GAN Memory with No Forgetting*, NeurIPS 2020: the reference code's compression script
(``Compression_low_rank_six_butterfly.py`` with ``resnet4_AdaFM_accumulate_lowrank_highLayers.py`` and the
trainer's ``lowrank_constr``).  Only G's style is compressed, and only its block convs (the FC's scales are
[1, F] vectors).  Matrices are in the Keras layout: a conv's scale Gamma [1, 1, C_in, C_out] is the matrix
M [C_in, C_out]; M = U diag(c) V^T with U [C_in, K], V [C_out, K].

* **Which layers**: the convs whose energy fraction by output width (C_out >= 1024: 0.8, 512: 0.9, 256: 0.95;
  narrower: 1.0, decision (i)) is below 1.  At the original's 256x256, nf 64 those are exactly its compressed
  blocks 0-3; the narrower convs keep full AdaFM styles.  ``--gm_lowrank_energy F`` compresses every block conv
  with the one fraction F instead (our CPU widths are all narrower than 256).
* **Training-time penalty** (``penalty``): every ``--gm_lowrank_every``-th G step, ``--gm_lowrank_weight`` times
  the sum, over the trained scale and shift matrices (a compressed layer's residual R, the full Gamma and B of
  the others, as the original penalises every ``style_gama`` / ``style_beta``), of sum_i s_i (0.1 +
  sigmoid(10 i / n)), s descending, n = min(C_in, C_out): the tail of the spectrum costs more than its head.
* **After task t** (``compress``): for each compressed layer and each of Gamma and B, the SVD of the task's EMA
  residual R = U S V^T; the leading k components are kept, k the smallest with (h + s_0 + ... + s_{k-1}) /
  (h + sum s) >= the fraction, where h = sum |c| of the task's coefficients on the earlier bases (none when
  h / (h + sum s) already reaches it: the old bases explain the task).  U[:, :k] and V[:, :k] are appended to the
  layer's basis, shared by every later task; task t stores its coefficients [c, s_0..s_{k-1}] over the whole
  basis so far, the basis vectors it added, and its bias.
* **Task t+1** starts at task t's memory: Gamma = [U_1..U_t] diag(c) [V_1..V_t]^T + R with c trainable from task
  t's coefficients and R = 0 (B likewise); its other style parameters start at task t's values (the original's
  uncompressed layers carry on from the previous task too).  Task 1 has no basis: Gamma = R, starting at the
  source (R = sigma, B's R = mu).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

PARTS = ("gamma", "beta")
# (smallest C_out, energy fraction kept), widest first: the original's chanel_percent table [1, 1, .95, .9, .8].
FRACTIONS = ((1024, 0.8), (512, 0.9), (256, 0.95))


def energy_fraction(c_out: int) -> float:
    """The original's fraction of the singular-value sum kept for a conv with ``c_out`` outputs."""
    for width, fraction in FRACTIONS:
        if c_out >= width:
            return fraction
    return 1.0


def layer_fractions(shapes: dict, energy: float = None) -> dict:
    """{conv name: fraction} of the compressed layers: the block convs ([1, 1, C_in, C_out] styles) whose width
    fraction is below 1, or every block conv with ``energy`` when it is given."""
    convs = {name: shape for name, shape in shapes.items() if len(shape) == 4}
    if energy is not None:
        return {name: float(energy) for name in convs}
    return {name: energy_fraction(shape[-1]) for name, shape in convs.items() if energy_fraction(shape[-1]) < 1.0}


def truncate(matrix, fraction: float, held: float = 0.0):
    """(U [m, k], s [k], V [n, k]) of the leading SVD components of ``matrix`` [m, n] that reach ``fraction``.

    k is the smallest count with (held + s_0 + ... + s_{k-1}) / (held + sum s) >= fraction (at most min(m, n));
    0 when held / (held + sum s) already reaches it or the matrix is zero.  float64.
    """
    u, s, vt = np.linalg.svd(np.asarray(matrix, np.float64), full_matrices=False)
    total = float(held) + float(s.sum())
    if total <= 0.0 or float(held) / total >= fraction:
        k = 0
    else:
        running = np.cumsum(s) + float(held)
        k = min(int(np.sum(running / total < fraction)) + 1, len(s))
    return u[:, :k], s[:k], vt[:k].T


def rank_penalty(matrix):
    """sum_i s_i (0.1 + sigmoid(10 i / n)) of a [C_in, C_out] matrix (the original's ``lowrank_constr``)."""
    values = tf.linalg.svd(matrix, compute_uv=False)  # descending; its gradient is U diag(w) V^T
    n = int(values.shape[0])
    weights = 0.1 + tf.sigmoid(10.0 * tf.range(n, dtype=values.dtype) / n)
    return tf.reduce_sum(tf.abs(values) * weights)


def penalty(bank):
    """The penalty summed over a trained bank's matrices (``LowRankBank.penalised_matrices``)."""
    return tf.add_n([rank_penalty(matrix) for matrix in bank.penalised_matrices()])


class LowRankBank(keras.layers.Layer):
    """One task's G style with some convs in low-rank form: a trained bank, its EMA, or a stored memory.

    For a low-rank layer L and part P (gamma or beta), with the basis vectors of the earlier memories and its own:

        P = [U_earlier, U_own] diag(L_P_coef) [V_earlier, V_own]^T  (+ L_P_residual for a trained bank)

    Weights (created only when not empty): ``L_P_coef`` [K] over every basis vector so far, ``L_P_u`` [C_in, n]
    and ``L_P_v`` [C_out, n] (the vectors this memory adds), ``L_P_residual`` [1, 1, C_in, C_out] (a trained bank
    and its EMA), ``L_bias``; the full layers' ``L_gamma``, ``L_beta``, ``L_bias`` and the ``class_bias`` as in
    :class:`StyleBank`.

    Args:
      shapes: {layer name: shape of its sigma}, in call order.
      lowrank: {low-rank layer: {"gamma": (K, n), "beta": (K, n)}}.
      residual: whether the low-rank layers carry a residual (trained banks; stored memories do not).
      num_labels, class_layer: the class bias, as StyleBank's.
      initial: {weight name: array}; missing: gamma 1, everything else 0.
    """

    def __init__(self, shapes: dict, lowrank: dict, residual: bool, num_labels: int = 0, class_layer: str = None,
                 initial: dict = None, **kwargs):
        super().__init__(**kwargs)
        self.shapes = {name: tuple(int(d) for d in shape) for name, shape in shapes.items()}
        self.lowrank = {name: {part: tuple(int(v) for v in parts[part]) for part in PARTS}
                        for name, parts in lowrank.items()}
        self.residual = bool(residual)
        self.num_labels = int(num_labels)
        self.class_layer = class_layer
        self.initial = initial or {}
        for name, shape in self.shapes.items():
            c_in, c_out = (shape[-2], shape[-1]) if len(shape) == 4 else (None, shape[-1])
            if name in self.lowrank:
                for part in PARTS:
                    coefficients, added = self.lowrank[name][part]
                    self._add(f"{name}_{part}_coef", (coefficients,))
                    self._add(f"{name}_{part}_u", (c_in, added))
                    self._add(f"{name}_{part}_v", (c_out, added))
                    if self.residual:
                        self._add(f"{name}_{part}_residual", shape)
            else:
                self._add(f"{name}_gamma", shape, one=True)
                self._add(f"{name}_beta", shape)
            self._add(f"{name}_bias", (c_out,))
        if self.num_labels:
            self._add("class_bias", (self.num_labels, self.shapes[class_layer][-1]))
        self.built = True

    def _add(self, weight: str, shape, one: bool = False) -> None:
        """A weight ``weight`` as an attribute (tf.train.Checkpoint tracks it by that name); none if empty."""
        if 0 in shape:
            setattr(self, weight, None)
            return
        value = self.initial.get(weight)
        if value is None:
            value = np.ones(shape, np.float32) if one else np.zeros(shape, np.float32)
        setattr(self, weight, self.add_weight(shape=shape, name=weight, initializer=keras.initializers.Constant(
            np.asarray(value, np.float32).reshape(shape))))

    def basis(self, name: str, part: str):
        """(U [C_in, n], V [C_out, n]) this bank adds to a layer's basis, or None."""
        u = getattr(self, f"{name}_{part}_u")
        return None if u is None else (u, getattr(self, f"{name}_{part}_v"))

    def matrix(self, name: str, part: str, earlier=()):
        """The layer's Gamma or B, shaped like its sigma, from the bases of ``earlier`` (memories 1..t-1) + own."""
        shape = self.shapes[name]
        coefficients = getattr(self, f"{name}_{part}_coef")
        residual = getattr(self, f"{name}_{part}_residual", None) if self.residual else None
        value = None
        if coefficients is not None:
            pairs = [pair for pair in (bank.basis(name, part) for bank in list(earlier) + [self]) if pair is not None]
            u = ops.concatenate([p[0] for p in pairs], axis=1)
            v = ops.concatenate([p[1] for p in pairs], axis=1)
            if u.shape[1] != coefficients.shape[0]:
                raise ValueError(f"{self.name}/{name}_{part}: {coefficients.shape[0]} coefficients for a basis of "
                                 f"{u.shape[1]} vectors (the earlier memories do not match)")
            value = ops.reshape(ops.matmul(u * coefficients, ops.transpose(v)), shape)
        if residual is not None:
            value = residual if value is None else value + residual
        return ops.zeros(shape) if value is None else value

    def styles(self, labels=None, earlier=()) -> dict:
        """{layer name: (gamma, beta, bias)} as StyleBank.styles; ``earlier``: the memories of tasks 1..t-1."""
        styles = {}
        for name in self.shapes:
            if name in self.lowrank:
                gamma, beta = self.matrix(name, "gamma", earlier), self.matrix(name, "beta", earlier)
            else:
                gamma, beta = getattr(self, f"{name}_gamma"), getattr(self, f"{name}_beta")
            styles[name] = (gamma, beta, getattr(self, f"{name}_bias"))
        if self.num_labels and labels is not None:
            gamma, beta, bias = styles[self.class_layer]
            onehot = ops.one_hot(ops.cast(labels, "int32"), self.num_labels)
            styles[self.class_layer] = (gamma, beta, bias + ops.matmul(onehot, self.class_bias))
        return styles

    def penalised_matrices(self) -> list:
        """[C_in, C_out] matrices of the training penalty: compressed layers' residuals, the other convs' styles."""
        matrices = []
        for name, shape in self.shapes.items():
            if len(shape) != 4:
                continue
            for part in PARTS:
                weight = f"{name}_{part}_residual" if name in self.lowrank else f"{name}_{part}"
                matrices.append(ops.reshape(getattr(self, weight), shape[-2:]))
        return matrices

    def call(self, labels):  # pragma: no cover - a bank is read through styles(), never called as a layer
        return self.styles(labels)

    def parameter_count(self) -> int:
        return int(sum(np.prod(v.shape) for v in self.weights))

    def get_config(self):
        config = super().get_config()
        config.update(shapes={k: list(v) for k, v in self.shapes.items()}, residual=self.residual,
                      lowrank={k: {p: list(v) for p, v in parts.items()} for k, parts in self.lowrank.items()},
                      num_labels=self.num_labels, class_layer=self.class_layer)
        return config


def _value(bank, weight: str):
    variable = getattr(bank, weight, None)
    return None if variable is None else np.asarray(variable, np.float64)


def training_bank(stats: dict, fractions: dict, previous, num_labels: int, class_layer: str, name: str):
    """Task t's trained G bank: at the source (task 1: R = sigma, mu) or at ``previous`` (task t-1's memory)."""
    initial = {}
    for layer, (sigma, mu) in stats.items():
        if previous is None:
            keys = (f"{layer}_gamma_residual", f"{layer}_beta_residual") if layer in fractions else \
                (f"{layer}_gamma", f"{layer}_beta")
            initial.update({keys[0]: sigma, keys[1]: mu})
            continue
        copied = [f"{layer}_bias"] + ([f"{layer}_{p}_coef" for p in PARTS] if layer in fractions else
                                      [f"{layer}_gamma", f"{layer}_beta"])
        initial.update({key: _value(previous, key) for key in copied if _value(previous, key) is not None})
    if previous is not None and num_labels:
        initial["class_bias"] = _value(previous, "class_bias")
    lowrank = {layer: {part: ((previous.lowrank[layer][part][0] if previous is not None else 0), 0)
                       for part in PARTS} for layer in fractions}
    return LowRankBank({n: s.shape for n, (s, _) in stats.items()}, lowrank, True, num_labels, class_layer,
                       initial=initial, name=name)


def compress(bank, fractions: dict, name: str):
    """(stored memory, {layer: {part: k added}}) of a trained bank (the task's EMA), as the module docstring says."""
    initial, lowrank, added = {}, {}, {}
    for layer, shape in bank.shapes.items():
        initial[f"{layer}_bias"] = _value(bank, f"{layer}_bias")
        if layer not in bank.lowrank:
            initial.update({f"{layer}_{p}": _value(bank, f"{layer}_{p}") for p in PARTS})
            continue
        lowrank[layer], added[layer] = {}, {}
        for part in PARTS:
            coefficients = _value(bank, f"{layer}_{part}_coef")
            coefficients = np.zeros((0,)) if coefficients is None else coefficients
            residual = _value(bank, f"{layer}_{part}_residual").reshape(shape[-2:])
            u, s, v = truncate(residual, fractions[layer], held=float(np.abs(coefficients).sum()))
            initial.update({f"{layer}_{part}_coef": np.concatenate([coefficients, s]), f"{layer}_{part}_u": u,
                            f"{layer}_{part}_v": v})
            lowrank[layer][part] = (len(coefficients) + len(s), len(s))
            added[layer][part] = len(s)
    if bank.num_labels:
        initial["class_bias"] = _value(bank, "class_bias")
    memory = LowRankBank(bank.shapes, lowrank, False, bank.num_labels, bank.class_layer, initial=initial, name=name)
    memory.trainable = False
    return memory, added


def placeholder(shapes: dict, added_per_task: list, num_labels: int, class_layer: str, name: str):
    """A stored memory of task len(added_per_task) with the ranks ``added_per_task`` ([{layer: {part: k}}] of
    tasks 1..t), zero-valued: the shapes a checkpoint restores into."""
    lowrank = {layer: {part: (sum(task[layer][part] for task in added_per_task), added_per_task[-1][layer][part])
                       for part in PARTS} for layer in added_per_task[-1]}
    memory = LowRankBank(shapes, lowrank, False, num_labels, class_layer, name=name)
    memory.trainable = False
    return memory


def stored_count(shapes: dict, lowrank: dict, num_labels: int, class_units: int) -> int:
    """Numbers a memory stores: per compressed conv sum over Gamma, B of K + n (C_in + C_out), plus C_out;
    per full conv 2 C_in C_out + C_out; 3 F for the FC; n_labels F for the class bias."""
    total = num_labels * class_units
    for name, shape in shapes.items():
        c_out = shape[-1]
        if name in lowrank:
            total += c_out + sum(k + n * (shape[-2] + c_out) for k, n in lowrank[name].values())
        else:
            total += 2 * int(np.prod(shape)) + c_out
    return total
