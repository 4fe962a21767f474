"""The source GAN of GAN Memory on disk: weights files plus a manifest (docs/methods.md#gan_memory).

A source directory holds ``generator.weights.h5`` (the final non-EMA G, what GAN Memory modulates, as the
original's ``download_pretrainedGAN.py`` keeps), ``discriminator.weights.h5``, ``generator_ema.weights.h5`` (the
EMA G, for looking at the source's samples) and ``manifest.json``: format, dataset, width, channels, image size,
z size, iterations, seed and the sha256 of every weights file.  A task run refuses a source whose manifest does
not match its width, channels or image size, whose files do not match their hashes, or that was trained on the
target dataset itself (the source must be "perceptually distant").  ``random:<seed>`` is a seeded random source
for mechanism tests: every no-forgetting check holds for it, only the images are noise.
"""

import json
import os

import numpy as np

from introgan_tf.errors import InputError
from introgan_tf.evaluation.feature_extractor import sha256_of
from introgan_tf.methods.gan_memory.networks import ResNetDiscriminator, ResNetGenerator

FORMAT = "introgan_tf.gan_memory_source/1"
MANIFEST = "manifest.json"
FILES = {"generator": "generator.weights.h5", "discriminator": "discriminator.weights.h5",
         "generator_ema": "generator_ema.weights.h5"}
RANDOM_PREFIX = "random:"


def write_source(directory: str, generator, discriminator, generator_ema, **fields) -> str:
    """Writes the three networks and the manifest (``fields`` + hashes); the manifest last, atomically."""
    os.makedirs(directory, exist_ok=True)
    hashes = {}
    for key, network in (("generator", generator), ("discriminator", discriminator),
                         ("generator_ema", generator_ema)):
        path = os.path.join(directory, FILES[key])
        network.save_weights(path)
        hashes[FILES[key]] = sha256_of(path)
    manifest = dict(format=FORMAT, **fields, z_dim=generator.z_dim, source_parameters=int(generator.count_params()),
                    files=hashes)
    tmp = os.path.join(directory, MANIFEST + ".tmp")
    with open(tmp, "w") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(directory, MANIFEST))
    return directory


def random_source(seed: int, width: int, channels: int, image_size: int):
    """(G, D) with weights drawn from numpy's generator ``seed`` (N(0, 1/fan_in) kernels, N(0, 0.05) biases).

    Drawn with numpy, not Keras' initialisers, so that the run's own random state is not touched.
    """
    rng = np.random.default_rng(seed)
    generator = ResNetGenerator(width, channels, image_size)
    discriminator = ResNetDiscriminator(width, channels, image_size, n_out=1)
    for network in (generator, discriminator):
        for variable in network.weights:
            shape = tuple(variable.shape)
            if len(shape) == 1:
                value = rng.normal(0.0, 0.05, shape)
            else:
                value = rng.normal(0.0, 1.0 / np.sqrt(np.prod(shape[:-1])), shape)
            variable.assign(value.astype(np.float32))
    return generator, discriminator


def source_directory(spec: str) -> str:
    """The directory holding the manifest: ``spec`` itself, or ``spec/source`` (a gan_memory_source run)."""
    for candidate in (spec, os.path.join(spec, "source")):
        if os.path.isfile(os.path.join(candidate, MANIFEST)):
            return candidate
    raise InputError(f"--source_checkpoint={spec}: no {MANIFEST} there or in {os.path.join(spec, 'source')} "
                     f"(train one with --method gan_memory_source, or use random:<seed>)")


def read_manifest(directory: str) -> dict:
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: unreadable source manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path}: not a gan_memory source manifest (expected format {FORMAT})")
    return manifest


def load_source(spec: str, width: int, channels: int, image_size: int, target_dataset: str):
    """(G, D, description) of the source ``spec`` (a directory or ``random:<seed>``) for a run of this shape.

    Raises:
      InputError: one line naming the file or flag, for a missing, mismatching or corrupted source.
    """
    if spec is None:
        raise InputError("--source_checkpoint: gan_memory needs a source (a directory written by --method "
                         "gan_memory_source, or random:<seed> for a mechanism test)")
    if spec.startswith(RANDOM_PREFIX):
        try:
            seed = int(spec[len(RANDOM_PREFIX):])
        except ValueError:
            raise InputError(f"--source_checkpoint={spec}: expected random:<integer seed>") from None
        generator, discriminator = random_source(seed, width, channels, image_size)
        return generator, discriminator, {"source": spec, "dataset": None, "random_seed": seed}
    directory = source_directory(spec)
    manifest = read_manifest(directory)
    path = os.path.join(directory, MANIFEST)
    expected = {"width": width, "channels": channels, "image_size": image_size}
    for key, value in expected.items():
        if manifest.get(key) != value:
            raise InputError(f"{path}: the source has {key} {manifest.get(key)}, this run needs {value} "
                             f"(--gan_memory_width and the dataset's images must match the source's)")
    if manifest.get("dataset") == target_dataset:
        raise InputError(f"{path}: the source was trained on {target_dataset}, the target dataset itself; "
                         f"GAN Memory's source must never have seen the tasks' data")
    generator = ResNetGenerator(width, channels, image_size)
    discriminator = ResNetDiscriminator(width, channels, image_size, n_out=1)
    for key, network in (("generator", generator), ("discriminator", discriminator)):
        file_path = os.path.join(directory, FILES[key])
        if not os.path.isfile(file_path):
            raise InputError(f"{file_path}: source weights file not found")
        if manifest.get("files", {}).get(FILES[key]) != sha256_of(file_path):
            raise InputError(f"{file_path}: sha256 differs from {path}; the source was changed after it was written")
        try:
            network.load_weights(file_path)
        except Exception as error:  # noqa: BLE001 - h5py / Keras raise many types; all mean "wrong file"
            raise InputError(f"{file_path}: cannot load the source {key} ({type(error).__name__})") from None
    return generator, discriminator, {"source": os.path.abspath(directory), **{
        k: manifest.get(k) for k in ("dataset", "iterations", "seed", "width", "channels", "image_size")},
        "generator_sha256": manifest["files"][FILES["generator"]]}
