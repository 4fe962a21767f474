"""Test set-up: Keras on TensorFlow, the repository root importable (for flags/), shared data lookup."""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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


@pytest.fixture
def shared_data():
    """The real MNIST / Fashion-MNIST IDX files; skips with the reason if they are absent."""
    return require_shared_data()
