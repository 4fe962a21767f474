"""The Keras train model of the classifier-only bounds (docs/methods.md#bounds).

One ``fit`` element is one batch; one step is one Adam update on the softmax
cross-entropy of the CNN's logits.  ``iteration`` counts the session's steps,
so checkpoints and resume work exactly as for IntroGAN.
"""

import keras
import tensorflow as tf
from keras import ops

from introgan_tf.methods.common.session_model import SessionModel, accuracy


class ClassifierModel(SessionModel):
    """Wraps a CNNClassifier for ``fit``; ``classify`` returns its logits [N, C]."""

    def __init__(self, classifier, batch_size: int, **kwargs):
        super().__init__(("c_loss", "train_acc"), batch_size, **kwargs)
        self.classifier = classifier

    def compile(self, optimizer, **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        optimizer.build(self.classifier.trainable_variables)  # now, so a checkpoint restores into its slots

    def train_step(self, data):
        images, labels = data
        with tf.GradientTape() as tape:
            logits = self.classifier(images, training=True)
            loss = ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        variables = self.classifier.trainable_variables
        self.minimize(self.optimizer, tape, loss, variables)
        self.iteration.assign_add(1)
        return self.report({"c_loss": loss, "train_acc": accuracy(logits, labels)})

    def classify(self, images):
        return self.classifier(images, training=False)
