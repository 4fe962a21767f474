"""Installs the ``introgan_tf`` package only (``flags/`` and ``main.py`` run from the checkout:
a top-level package called ``flags`` would clash with absl's module)."""

from setuptools import find_packages, setup

# Pinned to versions that install together on Python 3.11 (checked on a fresh machine).
# tensorflow-gan 2.1.0 is deliberately absent: it cannot be imported on TF >= 2.16 (it
# subclasses the removed tf.estimator); see README "Why not tensorflow-gan".
CORE = [
    "keras==3.15.1",
    "tensorflow-datasets==4.9.10",
    "importlib_resources",  # imported by tensorflow-datasets 4.9.10 without being declared
    "tensorboard==2.21.0",  # no longer pulled in by TF 2.21
    "absl-py",
    "numpy<2.5",
    "scipy",
    "pillow",
    "matplotlib",
]

setup(
    name="introgan_tf",
    version="0.1.0",
    description="Class-incremental generation and classification with GANs (IntroGAN and its lineage), "
                "in Keras 3 / TensorFlow",
    python_requires=">=3.10",
    packages=find_packages(include=["introgan_tf", "introgan_tf.*"]),
    install_requires=CORE,
    extras_require={
        # CPU-only machines: the smaller tensorflow-cpu wheel.  GPU users: pip install -e ".[gpu]".
        "cpu": ["tensorflow-cpu==2.21.0"],
        "gpu": ["tensorflow[and-cuda]==2.21.0"],
        # lmdb: LSUN's databases (also needed to read LSUN at all); h5py: the v7.3 .mat test.  foolbox 3.3.4
        # ships 20 real CIFAR-10 test images and 20 ImageNet JPEGs the loader tests use as real pixels; install it
        # with --no-deps (pip install --no-deps foolbox==3.3.4): it is never imported, only its data files read.
        # hypothesis: the flag fuzz (tests/test_flag_fuzz.py).  pytest-xdist: the suite runs on 2 processes, one file
        # each (-n 2 --dist loadfile keeps a file's module fixtures in one process): 1,310 s idle on 2 cores.
        "test": ["pytest", "pytest-xdist", "hypothesis", "lmdb", "h5py", "foolbox==3.3.4"],
        "lsun": ["lmdb"],
    },
)
