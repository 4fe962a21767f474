"""MeRGAN-ig's discriminator: the conv trunk with two heads (baselines.md 2.1).

trunk (conv_trunk.py, LeakyReLU after the third conv too) -> flatten 4096 ->
``d_source_output`` Dense(1) (real/fake logit) and ``d_class_output`` Dense(C)
(class logits), Glorot uniform (introgan.md 3.3).  Only the class head grows
(head_growth.py).
"""

import keras
from keras import layers, ops

from introgan_tf.models.conv_trunk import trunk_convs, trunk_features


@keras.saving.register_keras_serializable(package="introgan_tf")
class ACGANDiscriminator(keras.Model):
    """Returns ``(source logit [N], class logits [N, C])`` for images in [-1, 1].

    Args:
      num_classes: C, the classes seen so far.
      image_shape: (H, W, C) of the input.
    """

    def __init__(self, num_classes: int, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.convs = trunk_convs(self.image_shape[-1], "d")
        self.source_output = layers.Dense(1, kernel_initializer="glorot_uniform", name="d_source_output")
        self.class_output = layers.Dense(num_classes, kernel_initializer="glorot_uniform", name="d_class_output")
        self(ops.zeros((1,) + self.image_shape))

    def body_layers(self):
        """Every layer but the class head (what growth copies unchanged)."""
        return list(self.convs) + [self.source_output]

    def adversarial_variables(self):
        """Trunk + source head: what the adversarial D step trains."""
        return [v for layer in self.body_layers() for v in layer.trainable_variables]

    def class_variables(self):
        """Trunk + class head: what the class step trains."""
        return [v for layer in list(self.convs) + [self.class_output] for v in layer.trainable_variables]

    def call(self, images, training=False):
        features = trunk_features(self.convs, images)
        return ops.squeeze(self.source_output(features), -1), self.class_output(features)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, image_shape=self.image_shape)
        return config
