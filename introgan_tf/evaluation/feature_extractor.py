"""Pluggable feature extractors for FID (docs/evaluation.md#fid; IntroGAN decision (c), docs/methods.md#introgan).

Every extractor has

* ``id``: recorded with every FID number (``"domain-cnn-v1"``,
  ``"inception-v3-pool"``); numbers from different ids are never mixed;
* ``weights_sha256``: hash of the weights file it loaded;
* ``feature_dim``;
* ``features(images)``: float32 images [N, H, W, C] in [-1, 1] -> float32
  features [N, D], computed in batches.

Two are registered, keyed by the ``--fid_extractor`` strings:

* ``domain``: the project's domain classifier (``domain_classifier.py``),
  penultimate 128-d features; weights shipped in
  ``precalc_fids/<dataset>/domain/domain_classifier.weights.h5``.  It also
  has ``classify(images)`` -> logits [N, 10] over the ORIGINAL labels, the
  evaluator of MeRGAN's generated-sample accuracy (Wu et al. 2018).
* ``inception``: Keras' InceptionV3 (``include_top=False, pooling="avg"``,
  2048-d) with weights the USER supplies (``--inception_weights``; e.g. the
  Keras "notop" ImageNet file).  Grayscale is replicated to 3 channels and
  images are resized bilinearly to 299x299.  Inputs are already in [-1, 1],
  which is what Keras' ``inception_v3.preprocess_input`` produces, so no
  further scaling is applied.  The numbers are NOT those of the 2015 TF graph
  used by Heusel et al. 2017 and the paper.

Nothing is ever downloaded.
"""

import abc
import hashlib
import json
import os
from pathlib import Path
from typing import Optional

import numpy as np

from introgan_tf.errors import InputError

DOMAIN = "domain"
INCEPTION = "inception"
# The original's spellings (inception_v3, domain_classifier) are accepted too.
ALIASES = {"domain": DOMAIN, "domain_classifier": DOMAIN, "inception": INCEPTION, "inception_v3": INCEPTION}
INCEPTION_ID = "inception-v3-pool"
INCEPTION_SIZE = 299
MANIFEST_FILE = "manifest.json"
DOMAIN_WEIGHTS_FILE = "domain_classifier.weights.h5"


def sha256_of(path: str) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical_name(name: str) -> str:
    """``"domain"`` or ``"inception"`` for any accepted spelling.

    Raises:
      InputError: for an unknown name.
    """
    if name not in ALIASES:
        raise InputError(f"unknown FID extractor {name!r}; valid: {', '.join(sorted(set(ALIASES.values())))}")
    return ALIASES[name]


def default_precalc_dir() -> str:
    """``./precalc_fids`` if it exists, else the ``precalc_fids/`` of this checkout."""
    local = Path("precalc_fids")
    if local.is_dir():
        return str(local)
    return str(Path(__file__).resolve().parents[2] / "precalc_fids")


def extractor_dir(dataset: str, name: str, precalc_dir: Optional[str] = None) -> str:
    """``<precalc_dir>/<dataset>/<extractor name>``: weights, manifest and per-class statistics."""
    return os.path.join(precalc_dir or default_precalc_dir(), dataset, canonical_name(name))


def read_manifest(directory: str, required: bool = True) -> dict:
    """The ``manifest.json`` of an extractor folder ({} if absent and not required).

    Raises:
      InputError: naming the file if it is missing (when required) or not JSON.
    """
    path = os.path.join(directory, MANIFEST_FILE)
    if not os.path.isfile(path):
        if required:
            raise InputError(f"{path}: manifest not found (see precalc_fids/README.md to regenerate it)")
        return {}
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: unreadable manifest ({error})")
    if not isinstance(manifest, dict):
        raise InputError(f"{path}: manifest is not a JSON object")
    return manifest


class FeatureExtractor(abc.ABC):
    """Interface of an FID feature extractor (see the module docstring).

    Subclasses set ``id``, ``weights_sha256``, ``feature_dim`` and
    ``batch_size`` and implement :meth:`_features_batch`.
    """

    id: str = ""
    weights_sha256: str = ""
    feature_dim: int = 0
    batch_size: int = 500

    @abc.abstractmethod
    def _features_batch(self, images: np.ndarray) -> np.ndarray:
        """Features of one batch, float32 [B, H, W, C] in [-1, 1] -> [B, D]."""

    def features(self, images: np.ndarray) -> np.ndarray:
        """float32 images [N, H, W, C] in [-1, 1] -> float32 features [N, D], in batches."""
        images = np.asarray(images, np.float32)
        if images.ndim != 4:
            raise ValueError(f"expected images [N, H, W, C], got shape {images.shape}")
        outputs = [np.asarray(self._features_batch(images[start:start + self.batch_size]), np.float32)
                   for start in range(0, len(images), self.batch_size)]
        if not outputs:
            return np.zeros((0, self.feature_dim), np.float32)
        return np.concatenate(outputs)

    def describe(self) -> dict:
        """What is recorded next to every number this extractor produced."""
        return {"id": self.id, "weights_sha256": self.weights_sha256, "feature_dim": self.feature_dim}


class DomainClassifierExtractor(FeatureExtractor):
    """Penultimate features and logits of the shipped domain classifier.

    Args:
      directory: ``precalc_fids/<dataset>/domain`` with the weights and manifest.

    Raises:
      InputError: if the weights or manifest are missing, or the weights' hash
        differs from the manifest's (statistics would belong to other weights).
    """

    def __init__(self, directory: str, batch_size: int = 500):
        import tensorflow as tf  # Heavy imports only when an extractor is built.
        from introgan_tf.evaluation import domain_classifier

        manifest = read_manifest(directory)
        weights_path = os.path.join(directory, manifest.get("weights_file", DOMAIN_WEIGHTS_FILE))
        if not os.path.isfile(weights_path):
            raise InputError(f"{weights_path}: domain classifier weights not found "
                             f"(python -m introgan_tf.evaluation.train_classifier regenerates them)")
        digest = sha256_of(weights_path)
        if manifest.get("weights_sha256") and manifest["weights_sha256"] != digest:
            raise InputError(f"{weights_path}: sha256 {digest[:12]} differs from its manifest's "
                             f"{manifest['weights_sha256'][:12]}; retrain and rerun precalc_fid")
        self.id = manifest.get("extractor_id", domain_classifier.EXTRACTOR_ID)
        self.weights_sha256 = digest
        self.feature_dim = int(manifest.get("feature_dim", domain_classifier.FEATURE_DIM))
        self.batch_size = batch_size
        self.manifest = manifest
        self.test_accuracy = manifest.get("test_accuracy")
        model = domain_classifier.build_domain_classifier(image_shape=tuple(manifest.get("image_shape", (28, 28, 1))),
                                                          feature_dim=self.feature_dim,
                                                          num_classes=int(manifest.get("num_classes", 10)))
        try:
            model.load_weights(weights_path)
        except Exception as error:  # h5py/keras raise many types; all mean "wrong file".
            raise InputError(f"{weights_path}: cannot load domain classifier weights ({type(error).__name__})")
        self.model = model
        both = domain_classifier.features_and_logits_model(model)
        spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)
        self._both = tf.function(lambda x: both(x, training=False), input_signature=[spec])

    def _features_batch(self, images):
        return self._both(images)[0].numpy()

    def features_and_logits(self, images: np.ndarray):
        """(features [N, D], logits [N, 10]) in one pass, batched."""
        images = np.asarray(images, np.float32)
        feats, logits = [], []
        for start in range(0, len(images), self.batch_size):
            f, l = self._both(images[start:start + self.batch_size])
            feats.append(f.numpy())
            logits.append(l.numpy())
        return np.concatenate(feats), np.concatenate(logits)

    def classify(self, images: np.ndarray) -> np.ndarray:
        """Logits [N, 10] over the ORIGINAL dataset labels (MeRGAN's evaluator, Wu et al. 2018)."""
        return self.features_and_logits(images)[1]

    def describe(self) -> dict:
        return {**super().describe(), "test_accuracy": self.test_accuracy}


class InceptionV3PoolExtractor(FeatureExtractor):
    """2048-d global-average-pool features of Keras' InceptionV3, with user-supplied weights.

    Images in [-1, 1] are replicated to 3 channels if grayscale and resized
    bilinearly to 299x299; no further scaling (Keras' InceptionV3 expects
    [-1, 1]).

    Raises:
      InputError: if the weights file is missing or does not fit the network.
    """

    def __init__(self, weights_path: str, batch_size: int = 50):
        if not weights_path:
            raise InputError("--fid_extractor=inception needs --inception_weights (a Keras InceptionV3 "
                             "include_top=False weights file); nothing is downloaded")
        if not os.path.isfile(weights_path):
            raise InputError(f"{weights_path}: Inception weights file not found")
        import keras
        import tensorflow as tf

        model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=None,
                                               input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3))
        try:
            model.load_weights(weights_path)
        except Exception as error:  # noqa: BLE001 - any failure means the file does not fit.
            raise InputError(f"{weights_path}: cannot load InceptionV3 (include_top=False) weights "
                             f"({type(error).__name__})")
        self.id = INCEPTION_ID
        self.weights_sha256 = sha256_of(weights_path)
        self.feature_dim = int(model.output_shape[-1])
        self.batch_size = batch_size
        self.model = model

        def run(images):
            if images.shape[-1] == 1:
                images = tf.tile(images, [1, 1, 1, 3])
            images = tf.image.resize(images, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
            return model(images, training=False)

        self._run = tf.function(run, reduce_retracing=True)

    def _features_batch(self, images):
        return self._run(images).numpy()


def get_feature_extractor(name: str, dataset: str, precalc_dir: Optional[str] = None,
                          inception_weights: Optional[str] = None) -> FeatureExtractor:
    """Builds an extractor by its ``--fid_extractor`` name.

    Args:
      name: ``"domain"`` or ``"inception"`` (aliases ``domain_classifier``,
        ``inception_v3``).
      dataset: registry name; selects ``<precalc_dir>/<dataset>/domain``.
      precalc_dir: root of the shipped artefacts (default
        :func:`default_precalc_dir`).
      inception_weights: the user's InceptionV3 weights file (inception only).

    Raises:
      InputError: unknown name, or missing / mismatching files.
    """
    name = canonical_name(name)
    if name == DOMAIN:
        return DomainClassifierExtractor(extractor_dir(dataset, DOMAIN, precalc_dir))
    return InceptionV3PoolExtractor(inception_weights)
