"""The domain classifier: a small CNN trained on a dataset's real training set.

It serves two evaluation purposes (docs/evaluation.md#fid and #accuracy-on-generated-samples):

* its penultimate layer gives the features for per-class FID when no
  Inception weights are supplied (Heusel et al. 2017 use Inception pool
  features; a domain network is the offline, reproducible substitute);
* its logits over the ORIGINAL dataset labels give MeRGAN's "accuracy of a
  pretrained classifier on generated samples" (Wu et al. 2018).

Input: float32 [N, 28, 28, 1] in [-1, 1], i.e. x = u / 127.5 - 1 for uint8 u
(the same mapping as the training pipeline and the quantised samples).
"""

from typing import Tuple

import keras
from keras import layers

EXTRACTOR_ID = "domain-cnn-v1"
FEATURE_LAYER = "features"
FEATURE_DIM = 128

ARCHITECTURE = (
    "Conv3x3(32)-BN-ReLU-MaxPool2 / Conv3x3(64)-BN-ReLU-MaxPool2 / Conv3x3(128)-BN-ReLU-MaxPool2 / "
    "Flatten(1152)-Dropout(0.3) / Dense(128) 'features' (pre-activation, used for FID) -ReLU-Dropout(0.3) / "
    "Dense(10) logits over the original labels"
)


def build_domain_classifier(image_shape: Tuple[int, int, int] = (28, 28, 1), num_classes: int = 10,
                            feature_dim: int = FEATURE_DIM) -> keras.Model:
    """Builds the domain classifier (``EXTRACTOR_ID`` = domain-cnn-v1).

    Three conv/BN/pool stages keep it cheap enough to train in minutes on two
    CPU cores; the 128-d feature layer keeps the shipped covariances small.
    FID features are the Dense(128) output *before* its ReLU, so no unit is
    identically zero and the covariance stays full rank.

    Args:
      image_shape: (H, W, C) of the inputs, in [-1, 1].
      num_classes: number of original labels.
      feature_dim: width of the feature layer.

    Returns:
      A functional ``keras.Model`` mapping images to logits [N, num_classes];
      the feature layer is ``model.get_layer(FEATURE_LAYER)``.
    """
    inputs = keras.Input(shape=image_shape, name="images")
    x = inputs
    for index, filters in enumerate((32, 64, 128), start=1):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{index}")(x)
        x = layers.BatchNormalization(name=f"bn{index}")(x)
        x = layers.ReLU(name=f"relu{index}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{index}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout1")(x)
    features = layers.Dense(feature_dim, name=FEATURE_LAYER)(x)
    x = layers.ReLU(name="relu_features")(features)
    x = layers.Dropout(0.3, name="dropout2")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name="domain_classifier")


def features_and_logits_model(model: keras.Model) -> keras.Model:
    """A view of ``model`` returning (features, logits); it shares the weights."""
    return keras.Model(model.inputs, [model.get_layer(FEATURE_LAYER).output, model.outputs[0]],
                       name="domain_classifier_features")
