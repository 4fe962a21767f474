"""The Keras train model of the classifier-only bounds (baselines.md 5.1).

One ``fit`` element is one batch; one step is one Adam update on the softmax
cross-entropy of the CNN's logits.  ``iteration`` counts the session's steps,
so checkpoints and resume work exactly as for IntroGAN.
"""

import keras
import tensorflow as tf
from keras import ops


class ClassifierModel(keras.Model):
    """Wraps a CNNClassifier for ``fit``; ``call`` returns its logits [N, C]."""

    def __init__(self, classifier, **kwargs):
        super().__init__(**kwargs)
        self.classifier = classifier
        self.iteration = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("c_loss", "train_acc")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, optimizer, **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        # Built now, so that a checkpoint restores into existing slot variables.
        optimizer.build(self.classifier.trainable_variables)

    def train_step(self, data):
        images, labels = data
        with tf.GradientTape() as tape:
            logits = self.classifier(images, training=True)
            loss = ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        variables = self.classifier.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        self.iteration.assign_add(1)
        accuracy = ops.mean(ops.cast(ops.equal(ops.argmax(logits, -1), ops.cast(labels, "int64")), "float32"))
        self.trackers["c_loss"].update_state(loss)
        self.trackers["train_acc"].update_state(accuracy)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def call(self, images, training=False):
        return self.classifier(images, training=training)
