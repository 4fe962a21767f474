"""Conditional batch normalisation on batch statistics (MeRGAN's generator).

x_hat * gamma[y] + beta[y], x_hat normalised with the mean and biased variance per channel over (batch, height,
width) of the **current batch**, always, also when sampling: there are no moving averages, as the originals
(Wu et al. 2018; He et al. 2024).  A generated image therefore depends on the rest of its batch, so callers
generate in defined batches (docs/methods.md, "Conditional batch norm").
"""

import keras
from keras import layers, ops

BN_EPSILON = 1e-5


@keras.saving.register_keras_serializable(package="introgan_tf")
class ConditionalBatchNorm(layers.Layer):
    """Call with ``(x [N, H, W, C], labels [N])``; per-class tables gamma [num_classes, C] (1) and beta (0).

    Args:
      num_classes: rows of the tables.
    """

    def __init__(self, num_classes: int, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(self.num_classes, channels), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.num_classes, channels), initializer="zeros", name="beta")

    def call(self, x, labels):
        mean = ops.mean(x, axis=(0, 1, 2), keepdims=True)
        variance = ops.mean(ops.square(x - mean), axis=(0, 1, 2), keepdims=True)
        normalised = (x - mean) / ops.sqrt(variance + BN_EPSILON)
        labels = ops.cast(labels, "int32")
        gamma = ops.take(self.gamma, labels, axis=0)[:, None, None, :]
        beta = ops.take(self.beta, labels, axis=0)[:, None, None, :]
        return normalised * gamma + beta

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes)
