"""The CNN classifier of the lower and upper bounds (baselines.md 5.1).

conv trunk (conv_trunk.py) -> flatten 4096 -> Dense(C) ``c_class_output``
(Glorot uniform, bias 0, introgan.md 3.3).  Only the output layer depends on
the number of classes C; head_growth.py grows it.
"""

import keras
from keras import layers, ops

from introgan_tf.models.conv_trunk import trunk_convs, trunk_features


@keras.saving.register_keras_serializable(package="introgan_tf")
class CNNClassifier(keras.Model):
    """Logits [N, C] for images in [-1, 1].

    Args:
      num_classes: C, the classes seen so far.
      image_shape: (H, W, C) of the input.
    """

    def __init__(self, num_classes: int, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.convs = trunk_convs(self.image_shape[-1], "c")
        self.class_output = layers.Dense(num_classes, kernel_initializer="glorot_uniform", name="c_class_output")
        self(ops.zeros((1,) + self.image_shape))  # create every variable now (growth copies them)

    def body_layers(self):
        """Every layer but the class head (what growth copies unchanged)."""
        return list(self.convs)

    def call(self, images, training=False):
        return self.class_output(trunk_features(self.convs, images))

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, image_shape=self.image_shape)
        return config
