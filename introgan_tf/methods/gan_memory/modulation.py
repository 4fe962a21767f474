"""AdaFM style modulation of frozen kernels (GAN Memory, Cong et al., NeurIPS 2020, section 3 of docs/methods.md).

A modulated 3x3 convolution holds a frozen kernel W^ [3, 3, C_in, C_out] and bias b; task t modulates it with
its own style (Gamma_t, B_t [1, 1, C_in, C_out], b_t [C_out]):

    W_t = W^ * Gamma_t + B_t,    y = conv(x, W_t) + b + b_t

(one scale and one shift per (in, out) kernel pair, broadcast over the 3x3 positions).  G's first fully connected
layer is modulated per output unit: out = x (W^ * gamma_t + beta_t) + b + b_t with gamma_t, beta_t [1, F].

Before the first task the frozen kernels are *normalised* (``normalise_kernel``): W^ = (W - mu) / sigma with mu and
the unbiased sigma of every 3x3 slice (every input column of the FC), and a task's style starts at Gamma = sigma,
B = mu, b_t = 0, so that the modulated network starts equal to the source.  Where sigma < 1e-8 the slice is
constant: W^ = 0 and Gamma = 1 (W_t = mu = W exactly; the original would divide by zero).

The layers take the style as a call argument, so one set of frozen source layers serves every task; the styles
live in :class:`StyleBank` layers, one per task and network.
"""

import keras
import numpy as np
from keras import ops

SIGMA_FLOOR = 1e-8


class ModulatedConv2D(keras.layers.Layer):
    """3x3 (or k x k) 'same' convolution with bias whose kernel a task's style may modulate.

    Call ``layer(x)`` for the plain convolution (the source), ``layer(x, style=(gamma, beta, bias))`` for AdaFM.
    """

    def __init__(self, filters: int, kernel_size: int = 3, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.use_bias = int(filters), int(kernel_size), bool(use_bias)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(self.kernel_size, self.kernel_size, channels, self.filters),
                                      initializer="he_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias") if self.use_bias else None

    def call(self, x, style=None):
        kernel = self.kernel
        if style is not None:
            gamma, beta, _ = style
            kernel = kernel * gamma + beta
        y = ops.conv(x, kernel, strides=1, padding="same")
        if self.bias is not None:
            y = y + self.bias
        if style is not None:
            y = y + style[2]
        return y

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size, use_bias=self.use_bias)
        return config


class ModulatedDense(keras.layers.Layer):
    """Dense layer with bias whose kernel a task's style may modulate per output unit (G's first FC)."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(int(input_shape[-1]), self.units), initializer="glorot_uniform",
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x, style=None):
        kernel = self.kernel
        if style is not None:
            gamma, beta, _ = style
            kernel = kernel * gamma + beta
        y = ops.matmul(x, kernel) + self.bias
        if style is not None:
            y = y + style[2]
        return y

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units)
        return config


def normalise_kernel(kernel: np.ndarray, axes) -> tuple:
    """(W^, sigma, mu) of a source kernel: mu and the unbiased sigma over ``axes`` (kept as size-1 axes).

    Conv kernels [k, k, C_in, C_out] use axes (0, 1); the FC kernel [inputs, F] uses axis 0.
    """
    kernel = np.asarray(kernel, np.float64)
    mu = kernel.mean(axis=axes, keepdims=True)
    sigma = kernel.std(axis=axes, ddof=1, keepdims=True)
    constant = sigma < SIGMA_FLOOR
    normalised = np.where(constant, 0.0, (kernel - mu) / np.where(constant, 1.0, sigma))
    sigma = np.where(constant, 1.0, sigma)
    return normalised.astype(np.float32), sigma.astype(np.float32), mu.astype(np.float32)


def modulated_layers(network) -> list:
    """[(name, layer)] of a network's modulated layers, in call order (``network.modulated_layers()``)."""
    return network.modulated_layers()


def normalise_network(network) -> dict:
    """Normalises every modulated kernel of ``network`` in place; returns {name: (sigma, mu)}, a style's start."""
    stats = {}
    for name, layer in modulated_layers(network):
        axes = (0, 1) if isinstance(layer, ModulatedConv2D) else (0,)
        normalised, sigma, mu = normalise_kernel(layer.kernel.numpy(), axes)
        layer.kernel.assign(normalised)
        stats[name] = (sigma, mu)
    return stats


def style_count(stats: dict, num_labels: int = 0, class_units: int = 0) -> int:
    """Numbers in one style: 2 C_in C_out + C_out per conv, 3 F for the FC, plus the class bias n_labels x F."""
    return sum(2 * sigma.size + sigma.shape[-1] for sigma, _ in stats.values()) + num_labels * class_units


class StyleBank(keras.layers.Layer):
    """One task's style parameters for every modulated layer of one network (and G's class bias).

    Weights: ``<layer>_gamma`` and ``<layer>_beta`` (the shape of the layer's sigma), ``<layer>_bias`` [C_out];
    with ``num_labels`` > 0 also ``class_bias`` [n_labels, F] (decision (b): a Linear(n_labels -> F) without
    bias of its own, zero-initialised, so every class starts at the source), added to the FC's output through
    the FC's ``b_t``.

    Args:
      shapes: {layer name: shape of its sigma} ([1, 1, C_in, C_out] or [1, F]), in call order.
      num_labels: classes of the task (0: no class bias, e.g. the discriminator).
      class_layer: the name of the layer the class bias adds to (G's FC).
      initial: {layer name: (sigma, mu)} to start from (default: gamma 1, beta 0, an identity).
    """

    def __init__(self, shapes: dict, num_labels: int = 0, class_layer: str = None, initial: dict = None, **kwargs):
        super().__init__(**kwargs)
        self.shapes = {name: tuple(int(d) for d in shape) for name, shape in shapes.items()}
        self.num_labels = int(num_labels)
        self.class_layer = class_layer
        for name, shape in self.shapes.items():
            sigma, mu = (initial or {}).get(name, (np.ones(shape, np.float32), np.zeros(shape, np.float32)))
            # The weights are attributes, one per tensor: tf.train.Checkpoint tracks them by these names.
            setattr(self, f"{name}_gamma", self.add_weight(shape=shape, name=f"{name}_gamma",
                                                           initializer=keras.initializers.Constant(np.asarray(sigma))))
            setattr(self, f"{name}_beta", self.add_weight(shape=shape, name=f"{name}_beta",
                                                          initializer=keras.initializers.Constant(np.asarray(mu))))
            setattr(self, f"{name}_bias", self.add_weight(shape=(shape[-1],), name=f"{name}_bias",
                                                          initializer="zeros"))
        if self.num_labels:
            units = self.shapes[class_layer][-1]
            self.class_bias = self.add_weight(shape=(self.num_labels, units), name="class_bias", initializer="zeros")
        self.built = True

    def styles(self, labels=None, earlier=()) -> dict:
        """{layer name: (gamma, beta, bias)}; with labels [N], G's FC bias becomes b_t + onehot(y) A, [N, F].

        ``earlier`` (the memories of the earlier tasks) is for the low-rank banks' shared bases; a full bank
        needs none of it.
        """
        del earlier
        styles = {name: (getattr(self, f"{name}_gamma"), getattr(self, f"{name}_beta"), getattr(self, f"{name}_bias"))
                  for name in self.shapes}
        if self.num_labels and labels is not None:
            gamma, beta, bias = styles[self.class_layer]
            onehot = ops.one_hot(ops.cast(labels, "int32"), self.num_labels)
            styles[self.class_layer] = (gamma, beta, bias + ops.matmul(onehot, self.class_bias))
        return styles

    def call(self, labels):  # pragma: no cover - a bank is read through styles(), never called as a layer
        return self.styles(labels)

    def parameter_count(self) -> int:
        return int(sum(np.prod(v.shape) for v in self.weights))

    def get_config(self):
        config = super().get_config()
        config.update(shapes={k: list(v) for k, v in self.shapes.items()}, num_labels=self.num_labels,
                      class_layer=self.class_layer)
        return config
