"""The CNN classifier of the lower and upper bounds (docs/methods.md#bounds).

conv trunk of width ``dim`` (layers/conv_trunk.py; 64 in the original, the
SVHN scripts scale it with their ``dim`` flag) -> flatten 4x4x4 dim (4096 at
28x28 and 32x32) -> Dense(C) ``c_class_output`` (Glorot uniform, bias 0).  Only the output layer depends on the number of
classes C; methods/common/growth.py grows it.
"""

import keras
from keras import layers, ops

from introgan_tf.layers.conv_trunk import DIM, add_trunk_convs, trunk_convs, trunk_features

SIDES = {28: 28, 32: 32}  # the image sides of the IntroGAN benchmark's classifiers (MNIST, SVHN scripts)


@keras.saving.register_keras_serializable(package="introgan_tf")
class CNNClassifier(keras.Model):
    """Logits [N, C] for images in [-1, 1].

    Args:
      num_classes: C, the classes seen so far.
      image_shape: (H, W, C) of the input.
      dim: trunk width (64).
    """

    def __init__(self, num_classes: int, image_shape=(28, 28, 1), dim: int = DIM, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.dim = dim
        add_trunk_convs(self, self.image_shape[-1], "c", dim)
        self.class_output = layers.Dense(num_classes, kernel_initializer="glorot_uniform", name="c_class_output")
        self(ops.zeros((1,) + self.image_shape))  # create every variable now (growth copies them)

    def body_layers(self):
        """Every layer but the class head (what growth copies unchanged)."""
        return trunk_convs(self, "c")

    def call(self, images, training=False):
        return ops.cast(self.class_output(trunk_features(trunk_convs(self, "c"), images)), "float32")  # float32 logits

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, image_shape=self.image_shape, dim=self.dim)
        return config
