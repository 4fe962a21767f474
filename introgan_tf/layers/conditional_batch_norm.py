"""Conditional batch normalisation on batch statistics (MeRGAN's generator).

x_hat * gamma[y] + beta[y], x_hat normalised with the mean and biased variance per channel over (batch, height,
width) of the **current batch**, always, also when sampling: there are no moving averages, as the originals
(Wu et al. 2018; He et al. 2024).  A generated image therefore depends on the rest of its batch, so callers
generate in defined batches (docs/methods.md, "Conditional batch norm").
"""

import keras
import tensorflow as tf
from keras import layers, ops

BN_EPSILON = 1e-5


def batch_moments(x):
    """Mean and biased variance per channel over (batch, height, width), in float32.

    Under a strategy with several replicas the moments are those of the **global** batch: the per-replica sums,
    sums of squares and counts are all-reduced, so two replicas normalise as one device does on the same batch.
    """
    x = ops.cast(x, "float32")  # statistics in float32 under mixed precision
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        mean = ops.mean(x, axis=(0, 1, 2), keepdims=True)
        return mean, ops.mean(ops.square(x - mean), axis=(0, 1, 2), keepdims=True)
    local = tf.stack([tf.reduce_sum(x, axis=(0, 1, 2)), tf.reduce_sum(tf.square(x), axis=(0, 1, 2))])
    count = context.all_reduce(tf.distribute.ReduceOp.SUM, tf.cast(tf.reduce_prod(tf.shape(x)[:3]), tf.float32))
    total = context.all_reduce(tf.distribute.ReduceOp.SUM, local) / count
    mean = total[0][None, None, None, :]
    return mean, ops.maximum(total[1][None, None, None, :] - ops.square(total[0])[None, None, None, :], 0.0)


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
        mean, variance = batch_moments(x)
        normalised = ops.cast((ops.cast(x, "float32") - mean) / ops.sqrt(variance + BN_EPSILON), x.dtype)
        labels = ops.cast(labels, "int32")
        gamma = ops.take(self.gamma, labels, axis=0)[:, None, None, :]
        beta = ops.take(self.beta, labels, axis=0)[:, None, None, :]
        return normalised * gamma + beta

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes)
