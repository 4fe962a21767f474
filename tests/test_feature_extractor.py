"""Feature extractors: the shipped domain classifier, InceptionV3 loading, and real-data FID sanity checks."""

import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from introgan_tf.errors import InputError  # noqa: E402
from introgan_tf.evaluation import feature_extractor as fe  # noqa: E402
from introgan_tf.evaluation import fid  # noqa: E402

PRECALC = Path(__file__).resolve().parents[1] / "precalc_fids"
DATASETS = ("mnist", "fashion-mnist")


def _shared_data():
    env = os.environ.get("INTROGAN_SHARED_DATA")
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return default if default.is_dir() else (Path(env) if env else default)


SHARED_DATA = _shared_data()
needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(),
                                reason=f"real data not found at {SHARED_DATA} (set INTROGAN_SHARED_DATA)")

_CACHE = {}


def _domain(dataset):
    if dataset not in _CACHE:
        _CACHE[dataset] = fe.get_feature_extractor("domain", dataset, str(PRECALC))
    return _CACHE[dataset]


def test_unknown_extractor_name():
    with pytest.raises(InputError, match="unknown FID extractor"):
        fe.get_feature_extractor("vgg", "mnist")
    assert fe.canonical_name("inception_v3") == "inception"
    assert fe.canonical_name("domain_classifier") == "domain"


@pytest.mark.parametrize("dataset", DATASETS)
def test_shipped_domain_extractor(dataset):
    extractor = _domain(dataset)
    manifest = json.loads((PRECALC / dataset / "domain" / "manifest.json").read_text())
    assert extractor.id == "domain-cnn-v1" == manifest["extractor_id"]
    assert extractor.weights_sha256 == fe.sha256_of(str(PRECALC / dataset / "domain" / fe.DOMAIN_WEIGHTS_FILE))
    assert extractor.feature_dim == 128 and manifest["stats"]["split"] == "train"
    images = np.random.default_rng(0).uniform(-1, 1, size=(7, 28, 28, 1)).astype(np.float32)
    extractor.batch_size = 3  # exercise batching
    features = extractor.features(images)
    assert features.shape == (7, 128) and features.dtype == np.float32
    logits = extractor.classify(images)
    assert logits.shape == (7, 10)
    extractor.batch_size = 500
    np.testing.assert_allclose(extractor.features(images), features, rtol=1e-4, atol=1e-4)
    for label in range(10):
        mu, sigma = fid.load_stats(str(PRECALC / dataset / "domain" / fid.stats_filename(label)))
        assert mu.shape == (128,) and sigma.shape == (128, 128)


def test_missing_folder_and_tampered_weights(tmp_path):
    with pytest.raises(InputError, match="manifest.json"):
        fe.get_feature_extractor("domain", "mnist", str(tmp_path))
    shutil.copytree(PRECALC / "mnist" / "domain", tmp_path / "mnist" / "domain")
    manifest_path = tmp_path / "mnist" / "domain" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["weights_sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="differs from its manifest"):
        fe.get_feature_extractor("domain", "mnist", str(tmp_path))
    (tmp_path / "mnist" / "domain" / fe.DOMAIN_WEIGHTS_FILE).unlink()
    with pytest.raises(InputError, match="weights not found"):
        fe.get_feature_extractor("domain", "mnist", str(tmp_path))


def test_inception_needs_user_weights(tmp_path):
    with pytest.raises(InputError, match="--inception_weights"):
        fe.get_feature_extractor("inception", "mnist")
    with pytest.raises(InputError, match="not found"):
        fe.get_feature_extractor("inception", "mnist", inception_weights=str(tmp_path / "none.h5"))
    with pytest.raises(InputError, match="cannot load"):
        fe.get_feature_extractor("inception", "mnist",
                                 inception_weights=str(PRECALC / "mnist" / "domain" / fe.DOMAIN_WEIGHTS_FILE))


def test_inception_with_saved_random_weights(tmp_path):
    import keras

    # Random weights stand in for the user's file: this checks loading and preprocessing, not the numbers.
    model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=None,
                                           input_shape=(299, 299, 3))
    path = str(tmp_path / "inception.weights.h5")
    model.save_weights(path)
    extractor = fe.get_feature_extractor("inception", "mnist", inception_weights=path)
    assert extractor.id == "inception-v3-pool" and extractor.weights_sha256 == fe.sha256_of(path)
    images = np.random.default_rng(1).uniform(-1, 1, size=(2, 28, 28, 1)).astype(np.float32)
    features = extractor.features(images)
    assert features.shape == (2, 2048) and np.isfinite(features).all()
    # Same as replicating channels and resizing by hand.
    import tensorflow as tf
    manual = model(tf.image.resize(np.repeat(images, 3, axis=-1), (299, 299), method="bilinear"), training=False)
    np.testing.assert_allclose(features, np.asarray(manual), rtol=1e-4, atol=1e-4)


@needs_data
@pytest.mark.parametrize("dataset", DATASETS)
def test_real_test_images_are_close_to_train_stats_and_noise_is_far(dataset):
    from introgan_tf.data import idx

    # Only the test split is needed: the statistics come from the shipped training-set files.
    x_test = idx.read_idx_images(str(SHARED_DATA / dataset / "t10k-images-idx3-ubyte.gz"))
    y_test = idx.read_idx_labels(str(SHARED_DATA / dataset / "t10k-labels-idx1-ubyte.gz"))
    extractor = _domain(dataset)
    rng = np.random.default_rng(0)
    real, noise = [], []
    for label in (0, 5):  # two classes keep the test fast
        images = x_test[y_test == label].astype(np.float32) / 127.5 - 1.0
        mu, sigma = fid.load_stats(str(PRECALC / dataset / "domain" / fid.stats_filename(label)))
        real.append(fid.frechet_distance(*fid.statistics_from_activations(extractor.features(images)), mu, sigma))
        uniform = rng.uniform(-1, 1, size=images.shape).astype(np.float32)
        noise.append(fid.frechet_distance(*fid.statistics_from_activations(extractor.features(uniform)), mu, sigma))
        # The other class of the same dataset is far too: the features separate classes.
        other = x_test[y_test == 5 - label].astype(np.float32) / 127.5 - 1.0
        cross = fid.frechet_distance(*fid.statistics_from_activations(extractor.features(other)), mu, sigma)
        assert cross > 10 * real[-1]
    assert max(real) < REAL_MAX[dataset], real
    assert min(noise) > NOISE_MIN[dataset], noise
    assert min(noise) > 50 * max(real)


# Measured (all 10 classes, full test split): real 1.2-3.3 (fashion), 2.3-8.2 (mnist); noise 450-6400.
REAL_MAX = {"mnist": 10.0, "fashion-mnist": 10.0}
NOISE_MIN = {"mnist": 300.0, "fashion-mnist": 300.0}


def _write_tiny_idx_dataset(directory, per_class_train=12, per_class_test=3):
    """Fake MNIST-shaped IDX files: class c is a bright bar at row 2c, so the labels are learnable."""
    import gzip
    import struct

    from introgan_tf.data import idx

    directory.mkdir(parents=True)
    for split, per_class in (("train", per_class_train), ("t10k", per_class_test)):
        labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
        images = np.random.default_rng(0).integers(0, 30, size=(len(labels), 28, 28), dtype=np.uint8)
        for i, label in enumerate(labels):
            images[i, 2 * label + 4:2 * label + 6, 4:24] = 255
        for kind, magic, array in (("images-idx3", idx.IMAGES_MAGIC, images),
                                   ("labels-idx1", idx.LABELS_MAGIC, labels)):
            header = struct.pack(">I" + "I" * array.ndim, magic, *array.shape)
            with gzip.open(directory / f"{split}-{kind}-ubyte.gz", "wb") as handle:
                handle.write(header + array.tobytes())


def test_train_classifier_and_precalc_end_to_end(tmp_path):
    """The two regeneration commands on tiny fake data: weights, manifest and stats that the loader accepts."""
    from introgan_tf import precalc_fid
    from introgan_tf.evaluation import train_classifier

    data = tmp_path / "data"
    _write_tiny_idx_dataset(data)
    out = tmp_path / "precalc"
    assert train_classifier.main(["--dataset", "mnist", "--data_dir", str(data), "--out", str(out),
                                  "--epochs", "1", "--batch_size", "40", "--max_shift", "1"]) == 0
    folder = out / "mnist" / "domain"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["weights_sha256"] == fe.sha256_of(str(folder / fe.DOMAIN_WEIGHTS_FILE))
    assert manifest["training"]["seed"] == 1993 and 0 <= manifest["test_accuracy"] <= 1
    assert manifest["feature_dim"] == 128 and "stats" not in manifest
    # Inference-only weights: no optimizer state in the shipped file.
    import h5py
    with h5py.File(folder / fe.DOMAIN_WEIGHTS_FILE, "r") as handle:
        assert "optimizer" not in handle
    assert precalc_fid.main(["--dataset", "mnist", "--data_dir", str(data), "--precalc_dir", str(out)]) == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["stats"]["split"] == "train"
    assert manifest["stats"]["images_per_class"] == {str(c): 12 for c in range(10)}
    for label in range(10):
        mu, sigma = fid.load_stats(str(folder / fid.stats_filename(label)))
        assert mu.shape == (128,) and sigma.shape == (128, 128)
    assert fe.get_feature_extractor("domain", "mnist", str(out)).weights_sha256 == manifest["weights_sha256"]
    # A missing data directory is a one-line error and exit status 2.
    assert precalc_fid.main(["--dataset", "mnist", "--data_dir", str(tmp_path / "nope"),
                             "--precalc_dir", str(out)]) == 2
