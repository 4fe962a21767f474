"""Test set-up: Keras on TensorFlow, the repository root importable (for flags/), and the shared fixtures.

Unit tests run on the synthetic data of ``introgan_tf.testing`` (fixture ``synthetic_mnist``); the real-data
tests (the integration layer) read ``../shared/data`` and skip, saying why, when it is absent.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The data caches (sha256 of official files, decoded LSUN / image-folder images) of a test session live in a
# temporary folder: tests neither read nor fill the user's ~/.cache.
import tempfile  # noqa: E402
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="introgan_tf_test_cache_")

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def shared_data_dir() -> Path:
    """../shared/data beside the checkout (or $INTROGAN_SHARED_DATA)."""
    return Path(os.environ.get("INTROGAN_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def require_shared_data() -> Path:
    """The shared data folder; skips the calling test (or module fixture) with the reason if MNIST is absent."""
    root = shared_data_dir()
    if not (root / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real data not found at {root} (set INTROGAN_SHARED_DATA to the folder holding mnist/ "
                    f"and fashion-mnist/)")
    return root


@pytest.fixture(scope="session")
def shared_data():
    """The real MNIST / Fashion-MNIST IDX files; skips with the reason if they are absent."""
    return require_shared_data()


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def synthetic_mnist():
    """A small learnable MNIST-shaped dataset (introgan_tf.testing.synthetic_dataset)."""
    from introgan_tf import testing  # pylint: disable=import-outside-toplevel
    return testing.synthetic_dataset("mnist")


@pytest.fixture(scope="session")
def cli_config():
    """``cli_config(**flag_values)``: the ExperimentConfig the command line builds from those flags."""
    from absl import flags as absl_flags  # pylint: disable=import-outside-toplevel
    from absl.testing import flagsaver  # pylint: disable=import-outside-toplevel

    # Importing the flag modules defines the flags on absl's global FLAGS (once per process).
    from flags import (baseline_flags, config_builder, data_flags, eval_flags, experiment_flags,  # noqa: F401
                       gan_memory_flags,  # noqa: F401
                       growth_flags, introgan_flags, training_flags)
    parsed = absl_flags.FLAGS
    if not parsed.is_parsed():
        parsed(["main.py"])

    def build(**values):
        with flagsaver.flagsaver(**values):
            return config_builder.build_config(parsed)
    return build
