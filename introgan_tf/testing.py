"""Small synthetic datasets and tiny configurations, for tests and for trying a method in seconds.

Every registered method runs end to end on :func:`synthetic_dataset` without the real files::

    from introgan_tf import experiment, testing
    experiment.run(testing.tiny_config("/tmp/run", method="mergan"), data=testing.synthetic_dataset())

The images are learnable: class c is a bright square at a position of its own on a dark, noisy background,
so a classifier separates the classes after a few steps and a test can tell a working method from a broken
one.  :func:`write_idx_files` writes such a dataset in the IDX format of MNIST, for tests of the file path.
"""

import contextlib
import dataclasses
import gzip
import os
import struct

import numpy as np

from introgan_tf.config import EvalConfig, ExperimentConfig, IntroGANConfig, ReplayConfig, TrainConfig
from introgan_tf.data.dataset_info import DatasetSplits
from introgan_tf.data.datasets import IDX_FILES, get_dataset_info

# Small enough for two sessions in seconds on two CPU cores.
TINY_TRAIN = dict(iters=6, batch_size=16, test_interval=3, save_interval=3, sample_interval=3)


def class_images(label: int, count: int, image_shape, rng: np.random.Generator) -> np.ndarray:
    """``count`` uint8 images of synthetic class ``label``: a bright square at a class-specific place + noise."""
    height, width, channels = image_shape
    side = max(2, min(height, width) // 4)
    cells_x = max(1, (width - side) // side + 1)
    row, col = divmod(label, cells_x)
    top = (row * side) % max(1, height - side + 1)
    left = (col * side) % max(1, width - side + 1)
    images = rng.integers(0, 40, size=(count, height, width, channels))
    tint = 160 + 95 * ((np.arange(channels) + label) % 2)  # colour differs by class on 3-channel data
    images[:, top:top + side, left:left + side, :] = tint + rng.integers(-30, 1, size=(count, side, side, channels))
    return np.clip(images, 0, 255).astype(np.uint8)


def synthetic_dataset(name: str = "mnist", train_per_class: int = 64, test_per_class: int = 16,
                      image_shape=None, seed: int = 0) -> DatasetSplits:
    """A small learnable stand-in for the registered dataset ``name`` (its class count and, by default, shape).

    Labels are balanced and shuffled; ``info`` is the registry's, with ``image_shape`` if given.
    """
    info = get_dataset_info(name)
    if image_shape is not None:
        info = dataclasses.replace(info, image_shape=tuple(image_shape))
    rng = np.random.default_rng(seed)

    def split(per_class):
        labels = np.repeat(np.arange(info.num_classes), per_class)
        images = np.concatenate([class_images(c, per_class, info.image_shape, rng) for c in range(info.num_classes)])
        order = rng.permutation(len(labels))
        return images[order], labels[order].astype(np.int64)

    (x_train, y_train), (x_test, y_test) = split(train_per_class), split(test_per_class)
    return DatasetSplits(info, x_train, y_train, x_test, y_test, source=f"synthetic({name}, seed {seed})")


def synthetic_rgb(name: str = None, side: int = 32, train_per_class: int = 64, test_per_class: int = 16,
                  seed: int = 0) -> DatasetSplits:
    """:func:`synthetic_dataset` in colour at ``side`` x ``side`` x 3 (the shape of SVHN and CIFAR-10 at 32, of
    LSUN at 64): class c is a square at its own place, tinted by class on a dark noisy background.  ``name``: the
    registry entry it stands in for (default ``mnist-rgb32`` at 32, whose shape it has; ``mnist`` otherwise)."""
    name = name or ("mnist-rgb32" if side == 32 else "mnist")
    return synthetic_dataset(name, train_per_class, test_per_class, image_shape=(side, side, 3), seed=seed)


def write_idx_files(directory: str, data: DatasetSplits) -> str:
    """Writes ``data`` as the four gzipped IDX files of MNIST into ``directory``; returns it."""
    os.makedirs(directory, exist_ok=True)

    def write(name, array, magic):
        header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
        with gzip.open(os.path.join(directory, name), "wb") as handle:
            handle.write(header + np.ascontiguousarray(array, np.uint8).tobytes())

    write(IDX_FILES["train_images"], data.x_train[..., 0], 0x00000803)
    write(IDX_FILES["train_labels"], data.y_train, 0x00000801)
    write(IDX_FILES["test_images"], data.x_test[..., 0], 0x00000803)
    write(IDX_FILES["test_labels"], data.y_test, 0x00000801)
    return directory


def write_svhn_mat(path: str, images: np.ndarray, labels: np.ndarray, y_dtype=np.uint8,
                   compress: bool = True) -> str:
    """Writes uint8 [N, 32, 32, 3] images and SVHN labels 1..10 (10 = digit 0) as an official-layout ``.mat``:
    ``X`` uint8 [32, 32, 3, N] and ``y`` [N, 1], MATLAB v5, zlib-compressed as the official files."""
    import scipy.io  # pylint: disable=import-outside-toplevel

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    scipy.io.savemat(path, {"X": np.transpose(np.asarray(images, np.uint8), (1, 2, 3, 0)),
                            "y": np.asarray(labels).reshape(-1, 1).astype(y_dtype)}, do_compression=compress)
    return path


def svhn_values(digits: np.ndarray) -> np.ndarray:
    """The .mat label values of ``digits`` (digit 0 is stored as 10)."""
    digits = np.asarray(digits)
    return np.where(digits == 0, 10, digits)


def write_cifar_batch(path: str, images: np.ndarray, labels: np.ndarray) -> str:
    """Writes a CIFAR-10 binary batch: per image one label byte, then the R, G and B planes (row-major)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    planes = np.asarray(images, np.uint8).transpose(0, 3, 1, 2).reshape(len(images), -1)
    records = np.concatenate([np.asarray(labels, np.uint8)[:, None], planes], axis=1)
    records.tofile(path)
    return path


def write_cifar10_dir(directory: str, data: DatasetSplits) -> str:
    """``data`` (32x32x3) as ``<directory>/cifar-10-batches-bin/``: 5 training batches and the test batch."""
    folder = os.path.join(directory, "cifar-10-batches-bin")
    for part, (x, y) in enumerate(zip(np.array_split(data.x_train, 5), np.array_split(data.y_train, 5)), 1):
        write_cifar_batch(os.path.join(folder, f"data_batch_{part}.bin"), x, y)
    write_cifar_batch(os.path.join(folder, "test_batch.bin"), data.x_test, data.y_test)
    return directory


def encode_image(image: np.ndarray, fmt: str) -> bytes:
    """uint8 [H, W, 3] as the bytes of a real ``fmt`` file (``JPEG``, ``WEBP``, ``PNG``), via Pillow."""
    import io  # pylint: disable=import-outside-toplevel

    from PIL import Image  # pylint: disable=import-outside-toplevel
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).save(buffer, format=fmt, quality=95)
    return buffer.getvalue()


def scene_images(count: int, height: int, width: int, label: int, seed: int = 0) -> np.ndarray:
    """``count`` smooth uint8 [height, width, 3] images whose colour depends on ``label`` (lossy codecs keep it)."""
    rng = np.random.default_rng([seed, label])
    rows = np.linspace(0, 1, height)[:, None, None]
    cols = np.linspace(0, 1, width)[None, :, None]
    base = np.array([(60 * label) % 256, 255 - (50 * label) % 256, (90 + 70 * label) % 256], np.float64)
    images = [np.clip(base * (0.6 + 0.4 * rows) * (0.7 + 0.3 * cols) + rng.normal(0, 3, (height, width, 3)), 0, 255)
              for _ in range(count)]
    return np.stack(images).astype(np.uint8)


def write_lsun_lmdb(path: str, encoded_values) -> str:
    """An LSUN-layout LMDB at ``path`` (a ``<category>_<split>_lmdb`` directory): 40-hex-digit keys in order,
    the encoded image bytes as values."""
    import hashlib  # pylint: disable=import-outside-toplevel

    import lmdb  # pylint: disable=import-outside-toplevel
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    env = lmdb.open(path, map_size=1 << 30)
    with env.begin(write=True) as txn:
        for index, value in enumerate(encoded_values):
            txn.put(hashlib.sha1(str(index).encode()).hexdigest().encode(), value)
    env.close()
    return path


def tiny_config(result_dir: str, method: str = "introgan", dataset: str = "mnist", data_dir: str = None,
                num_sessions: int = 2, **train) -> ExperimentConfig:
    """A 2-session config of 2 classes each with tiny sessions (TINY_TRAIN, overridden by ``train``), FID skipped.

    IntroGAN keeps 4 prototypes per class and the pool replay 30 images per old class; everything else is the
    method's default (resolved when the experiment starts), e.g. MeRGAN's and DGR's wgan-gp.
    """
    return ExperimentConfig(
        dataset=dataset, method=method, result_dir=str(result_dir), data_dir=data_dir, num_sessions=num_sessions,
        nb_cl=2,
        train=TrainConfig(**dict(TINY_TRAIN, **train)), introgan=IntroGANConfig(proto_num=4),
        replay=ReplayConfig(replay_per_class=30), eval=EvalConfig(skip_fid=True, fid_samples_per_class=50))


class StoppedAfterCheckpoint(Exception):
    """Raised by :func:`stop_after_checkpoint` right after the checkpoint it waits for was written (its path)."""


@contextlib.contextmanager
def stop_after_checkpoint(session: int, iteration: int, complete: bool = False):
    """Within the block, a run stops right after writing its checkpoint at (``session``, ``iteration``,
    ``complete``): ``SessionCheckpointer.save`` writes it, then raises :class:`StoppedAfterCheckpoint`, as a crash
    there would end the run.  Every other save is the original's; the original is back when the block ends.

    ::

        with pytest.raises(testing.StoppedAfterCheckpoint), testing.stop_after_checkpoint(2, 2):
            experiment.run(config, data=data)
        experiment.run(config.replace(resume=True), data=data)
    """
    from introgan_tf.checkpointing import SessionCheckpointer  # pylint: disable=import-outside-toplevel
    original_save = SessionCheckpointer.save
    target = (session, iteration, complete)

    def save_then_stop(self, method, session_index, complete):  # the original's signature (callers pass keywords)
        path = original_save(self, method, session_index, complete)
        if (session_index, method.iteration, complete) == target:
            raise StoppedAfterCheckpoint(path)
        return path

    SessionCheckpointer.save = save_then_stop
    try:
        yield
    finally:
        SessionCheckpointer.save = original_save


@contextlib.contextmanager
def without_export(keep=()):
    """Within the block, runs write no SavedModel (the export costs seconds per session), except after the
    sessions whose index is in ``keep``: for tests that never read one, or only the last session's (which
    replaces the earlier ones).  The export is back when the block ends."""
    from introgan_tf import experiment  # pylint: disable=import-outside-toplevel
    original_export = experiment.export_saved_model

    def export_kept(method, session, path):
        return original_export(method, session, path) if session.index in keep else path

    experiment.export_saved_model = export_kept
    try:
        yield
    finally:
        experiment.export_saved_model = original_export


def check_results(data: dict, method: str, iters: int, test_interval: int, num_sessions: int = 2,
                  nb_cl: int = 2, evaluated=None) -> None:
    """Asserts that a finished class-incremental results.json record (order 1) is complete and consistent.

    ``evaluated``: the iterations the method measures accuracy at (default every ``test_interval``).
    """
    points = list(range(test_interval, iters + 1, test_interval))
    points = [it for it in points if evaluated(it)] if evaluated else points
    assert data["method"] == method and data["order_idx"] == 1, (data["method"], data["order_idx"])
    assert data["nb_cl"] == nb_cl and data["complete"] is True and data["config"]["train"]["iters"] == iters
    assert [s["index"] for s in data["sessions"]] == list(range(1, num_sessions + 1))
    for s, session in enumerate(data["sessions"], start=1):
        assert session["new_classes"] == list(range(nb_cl * (s - 1), nb_cl * s))
        assert session["seen_classes"] == list(range(nb_cl * s))
        assert [e["iteration"] for e in session["evaluations"]] == points
        for evaluation in session["evaluations"]:
            assert len(evaluation["prefix_accuracies"]) == s
            assert evaluation["accuracy"] == evaluation["prefix_accuracies"][-1]
            assert 0.0 <= evaluation["accuracy"] <= 1.0
        assert session["accuracy"] == session["evaluations"][-1]["accuracy"]
    assert 0.0 < data["ta_acc"] <= 1.0


# Run by check_saved_model_without_package in a fresh interpreter: the SavedModel alone must serve its
# signatures, so any import of introgan_tf fails there (a signature that still needed our Python code would).
_SAVED_MODEL_CHECK = """
import json, sys
sys.modules["introgan_tf"] = None  # any import of our package would now fail
import tensorflow as tf
spec = json.loads(sys.argv[1])
seen = spec["num_classes"]
for path in spec["paths"]:
    model = tf.saved_model.load(path)
    images = model.signatures["generate"](z=tf.random.normal([seen, spec["z_dim"]]),
                                          labels=tf.constant(list(range(seen))))["images"].numpy()
    assert images.shape == (seen, *spec["image_shape"]), images.shape
    assert images.min() >= -1 and images.max() <= 1, (images.min(), images.max())
    out = model.signatures["classify"](images=tf.constant(images))
    assert out["logits"].shape == (seen, seen), out["logits"].shape
    assert set(out["labels"].numpy().tolist()) <= set(range(seen)), out["labels"]
    if spec["unseen_label"] is not None:
        try:
            model.signatures["generate"](z=tf.random.normal([1, spec["z_dim"]]),
                                         labels=tf.constant([spec["unseen_label"]]))
            raise SystemExit("unseen label accepted")
        except tf.errors.InvalidArgumentError as error:
            assert "every label must be a seen class" in str(error), str(error)
print("OK")
"""


def check_saved_model_without_package(paths, z_dim: int, num_classes: int, image_shape=(28, 28, 1),
                                      unseen_label: int = None, timeout: float = 120) -> None:
    """Asserts that the label-conditional SavedModel at ``paths`` (one path or a list) works in a Python without
    introgan_tf.

    A fresh interpreter, in which importing our package fails, loads each one, generates one image of each of the
    ``num_classes`` seen classes from ``z_dim``-wide noise (``image_shape``, in [-1, 1]) and classifies them
    (logits ``[num_classes, num_classes]``, labels among the seen classes).  ``unseen_label``: a class the
    ``generate`` signature must refuse with ``every label must be a seen class``.
    """
    import json  # pylint: disable=import-outside-toplevel
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel

    paths = [str(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    spec = dict(paths=paths, z_dim=int(z_dim), num_classes=int(num_classes), image_shape=list(image_shape),
                unseen_label=unseen_label)
    # Run from a SavedModel's folder, so that the checkout's introgan_tf is not on the path either.
    result = subprocess.run([sys.executable, "-c", _SAVED_MODEL_CHECK, json.dumps(spec)], capture_output=True,
                            text=True, timeout=timeout, cwd=paths[0])
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr[-2000:]
