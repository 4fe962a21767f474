"""evaluate_generation: per-class FID and generated-sample accuracy, with a fake extractor."""

import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from introgan_tf.config import EvalConfig  # noqa: E402
from introgan_tf.errors import InputError  # noqa: E402
from introgan_tf.evaluation import fid  # noqa: E402
from introgan_tf.evaluation.generation_metrics import evaluate_generation  # noqa: E402

ORIGINAL = {0: 7, 1: 2}  # model label -> original label


class FakeExtractor:
    """4x4 average-pooled pixels as features; classify by mean brightness (original label = brightness bin)."""

    id = "fake-v1"
    weights_sha256 = "f" * 64
    feature_dim = 16
    test_accuracy = 1.0

    def __init__(self):
        self.seen = []

    def features(self, images):
        self.seen.append(np.asarray(images))
        n = len(images)
        return images.reshape(n, 4, 2, 4, 2).mean(axis=(2, 4)).reshape(n, 16)

    def classify(self, images):
        # Class of a sample = the original label whose mean brightness it is closest to.
        logits = np.full((len(images), 10), -1.0)
        means = images.mean(axis=(1, 2, 3))
        logits[np.arange(len(images)), np.where(means > 0, 7, 2)] = 1.0
        return logits


def _class_images(new_label, count, rng):
    """Bright images for model class 0 (original 7), dark ones for class 1 (original 2); 8x8x1 in [-1, 1]."""
    base = 0.5 if new_label == 0 else -0.5
    return np.clip(base + 0.2 * rng.normal(size=(count, 8, 8, 1)), -1, 1).astype(np.float32)


def _write_stats(root, extractor, manifest=None):
    directory = Path(root) / "mnist" / "domain"
    rng = np.random.default_rng(0)
    for new_label, original in ORIGINAL.items():
        mu, sigma = fid.statistics_from_activations(extractor.features(_class_images(new_label, 2000, rng)))
        fid.save_stats(str(directory / fid.stats_filename(original)), mu, sigma)
    if manifest is not None:
        (directory / "manifest.json").write_text(json.dumps(manifest))
    extractor.seen.clear()


def _sample_fn(calls, rng):
    def sample(labels):
        calls.append(np.asarray(labels).copy())
        return _class_images(int(labels[0]), len(labels), rng)
    return sample


def test_fid_and_accuracy_with_fake_extractor(tmp_path):
    extractor = FakeExtractor()
    _write_stats(tmp_path, extractor, manifest={"extractor_id": "fake-v1", "weights_sha256": "f" * 64})
    calls = []
    config = EvalConfig(skip_fid=False, fid_samples_per_class=300, precalc_fid_dir=str(tmp_path))
    result = evaluate_generation(_sample_fn(calls, np.random.default_rng(1)), [0, 1], [7, 2], "mnist", config,
                                 batch_size=128, feature_extractor=extractor)
    # Single-class int32 batches of 128, 128, 44 per class.
    assert [len(c) for c in calls] == [128, 128, 44] * 2
    assert all(c.dtype == np.int32 and len(set(c.tolist())) == 1 for c in calls)
    assert set(result["fid"]) == {"7", "2"} and result["fid_extractor"] == "fake-v1"
    assert result["fid_extractor_sha256"] == "f" * 64 and result["fid_samples_per_class"] == 300
    # Same distribution as the reference statistics: FID near 0 (quantisation adds a little).
    assert all(0 <= value < 0.05 for value in result["fid"].values())
    assert result["fid_mean"] == pytest.approx(np.mean(list(result["fid"].values())))
    assert result["generated_accuracy"] == {"7": 1.0, "2": 1.0} and result["generated_accuracy_mean"] == 1.0
    assert result["seconds"] >= 0
    json.dumps(result)  # JSON-ready
    # Samples were quantised: every pixel is u / 127.5 - 1 for an integer u.
    pixels = (np.concatenate(extractor.seen) + 1.0) * 127.5
    np.testing.assert_allclose(pixels, np.round(pixels), atol=1e-3)


def test_wrong_class_gives_large_fid_and_zero_accuracy(tmp_path):
    extractor = FakeExtractor()
    _write_stats(tmp_path, extractor)
    rng = np.random.default_rng(2)
    swapped = lambda labels: _class_images(1 - int(labels[0]), len(labels), rng)  # noqa: E731
    config = EvalConfig(skip_fid=False, fid_samples_per_class=200, precalc_fid_dir=str(tmp_path))
    result = evaluate_generation(swapped, [0, 1], [7, 2], "mnist", config, feature_extractor=extractor)
    assert all(value > 1.0 for value in result["fid"].values())
    assert result["generated_accuracy_mean"] == 0.0


@pytest.mark.parametrize("samples, expected", [(30, 30), (5000, 1000)])
def test_skip_fid_still_measures_accuracy(tmp_path, samples, expected):
    calls = []
    config = EvalConfig(skip_fid=True, fid_samples_per_class=samples, precalc_fid_dir=str(tmp_path))
    result = evaluate_generation(_sample_fn(calls, np.random.default_rng(3)), [0, 1], [7, 2], "mnist", config,
                                 evaluator=FakeExtractor())
    assert "fid" not in result and "fid_mean" not in result
    assert sum(len(c) for c in calls) == 2 * expected
    assert result["generated_accuracy_samples_per_class"] == expected
    assert result["generated_accuracy_mean"] == 1.0 and result["generated_accuracy_evaluator"] == "fake-v1"


def test_stats_of_other_weights_are_refused(tmp_path):
    extractor = FakeExtractor()
    _write_stats(tmp_path, extractor, manifest={"extractor_id": "fake-v1", "weights_sha256": "0" * 64})
    config = EvalConfig(skip_fid=False, fid_samples_per_class=10, precalc_fid_dir=str(tmp_path))
    with pytest.raises(InputError, match="rerun precalc_fid"):
        evaluate_generation(_sample_fn([], np.random.default_rng(4)), [0], [7], "mnist", config,
                            feature_extractor=extractor)


def test_missing_stats_file_is_input_error(tmp_path):
    config = EvalConfig(skip_fid=False, fid_samples_per_class=10, precalc_fid_dir=str(tmp_path))
    with pytest.raises(InputError, match="fid_stats_8.npz"):
        evaluate_generation(_sample_fn([], np.random.default_rng(5)), [0], [7], "mnist", config,
                            feature_extractor=FakeExtractor())


def test_bad_sample_fn_output(tmp_path):
    config = EvalConfig(skip_fid=True, fid_samples_per_class=10)
    with pytest.raises(ValueError, match="sample_fn"):
        evaluate_generation(lambda labels: np.zeros((3, 8, 8, 1), np.float32), [0], [7], "mnist", config,
                            evaluator=FakeExtractor())


def _shared_data():
    env = os.environ.get("INTROGAN_SHARED_DATA")
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return default if default.is_dir() else (Path(env) if env else default)


SHARED_DATA = _shared_data()


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"real data not found at {SHARED_DATA} "
                                                      "(set INTROGAN_SHARED_DATA)")
def test_real_images_as_samples_with_shipped_domain_classifier():
    """A 'generator' that returns real MNIST test digits: small FID, high generated accuracy."""
    from introgan_tf.data import idx

    x_test = idx.read_idx_images(str(SHARED_DATA / "mnist" / "t10k-images-idx3-ubyte.gz"))
    y_test = idx.read_idx_labels(str(SHARED_DATA / "mnist" / "t10k-labels-idx1-ubyte.gz"))
    order = {0: 3, 1: 8}  # model label -> original label, as after a class-order permutation
    served = {0: 0, 1: 0}

    def sample_fn(labels):
        label = int(labels[0])
        start = served[label]
        served[label] += len(labels)
        return x_test[y_test == order[label]][start:start + len(labels)].astype(np.float32) / 127.5 - 1.0

    config = EvalConfig(skip_fid=False, fid_samples_per_class=900)  # default precalc_fids/ of the checkout
    result = evaluate_generation(sample_fn, [0, 1], [3, 8], "mnist", config, batch_size=300)
    assert result["fid_extractor"] == "domain-cnn-v1" and len(result["fid_extractor_sha256"]) == 64
    assert set(result["fid"]) == {"3", "8"} and max(result["fid"].values()) < 12.0
    assert result["generated_accuracy_mean"] > 0.97
    assert result["generated_accuracy_evaluator_test_accuracy"] > 0.99
