"""MeRGAN-ig's networks (docs/methods.md#mergan_ig).

G is IntroGAN's conditional generator for the image shape (methods/introgan/networks.py: one-hot input at
28x28, conditional batch norm at 32x32), grown the same way.

D, at 28x28 and 32x32: the conv trunk of width ``dim`` (layers/conv_trunk.py, LeakyReLU after the third conv
too) -> flatten 4x4x4 dim (4096 at dim 64) ->
``d_source_output`` Dense(1) (real/fake logit) and ``d_class_output`` Dense(C) (class logits), Glorot uniform.
Only the class head grows (methods/common/growth.py).
"""

import keras
from keras import layers, ops

from introgan_tf.layers.conv_trunk import add_trunk_convs, trunk_convs, trunk_features
from introgan_tf.methods.introgan.networks import DIM, ConditionalGenerator, make_generator  # noqa: F401  (its G)


@keras.saving.register_keras_serializable(package="introgan_tf")
class MeRGANIGDiscriminator(keras.Model):
    """Returns ``(source logit [N], class logits [N, C])`` for images in [-1, 1].

    Args:
      num_classes: C, the classes seen so far.
      image_shape: (H, W, C) of the input.
      dim: trunk width (64 in the original).
    """

    def __init__(self, num_classes: int, image_shape=(28, 28, 1), dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.dim = dim
        add_trunk_convs(self, self.image_shape[-1], "d", dim)
        self.source_output = layers.Dense(1, kernel_initializer="glorot_uniform", name="d_source_output")
        self.class_output = layers.Dense(num_classes, kernel_initializer="glorot_uniform", name="d_class_output")
        self(ops.zeros((1,) + self.image_shape))

    def body_layers(self):
        """Every layer but the class head (what growth copies unchanged)."""
        return trunk_convs(self, "d") + [self.source_output]

    def adversarial_variables(self):
        """Trunk + source head: what the adversarial D step trains."""
        return [v for layer in self.body_layers() for v in layer.trainable_variables]

    def class_variables(self):
        """Trunk + class head: what the class step trains."""
        return [v for layer in trunk_convs(self, "d") + [self.class_output] for v in layer.trainable_variables]

    def call(self, images, training=False):
        features = trunk_features(trunk_convs(self, "d"), images)
        return (ops.cast(ops.squeeze(self.source_output(features), -1), "float32"),
                ops.cast(self.class_output(features), "float32"))  # float32 under mixed precision

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, image_shape=self.image_shape, dim=self.dim)
        return config
