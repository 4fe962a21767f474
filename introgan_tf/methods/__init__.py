"""Method registry keyed by the ``--method`` names, and the resolution of a config for its method.

Every method is a package ``introgan_tf/methods/<package>/`` with

* ``options.py``: its defaults and rules (light: no TensorFlow, so flags and ``--helpfull`` can read them);
* ``method.py``: the session driver (a :class:`~introgan_tf.methods.base.ContinualMethod`);
* ``model.py``: the per-session Keras model, whose ``train_step`` is the method's math;
* ``networks.py``: its networks.

Pieces several methods use live once in ``methods/common/`` and ``introgan_tf/layers/``.
"""

import importlib

from introgan_tf.config import ExperimentConfig

# --method name -> (package, session-driver class in <package>.method).
METHODS = {
    "acgan": ("introgan_tf.methods.acgan", "ACGAN"),
    "dgr": ("introgan_tf.methods.dgr", "DGR"),
    "dgr_ig": ("introgan_tf.methods.dgr_ig", "DGRIG"),
    "gan_memory": ("introgan_tf.methods.gan_memory", "GANMemory"),
    "gan_memory_source": ("introgan_tf.methods.gan_memory", "GANMemorySource"),
    "introgan": ("introgan_tf.methods.introgan", "IntroGAN"),
    "lower_bound": ("introgan_tf.methods.bounds", "LowerBound"),
    "mergan": ("introgan_tf.methods.mergan", "MeRGAN"),
    "mergan_ig": ("introgan_tf.methods.mergan_ig", "MeRGANIG"),
    "upper_bound": ("introgan_tf.methods.bounds", "UpperBound"),
}


def _entry(name: str):
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; valid: {', '.join(sorted(METHODS))}")
    return METHODS[name]


def get_method(name: str):
    """The session-driver class registered as ``name`` (imports TensorFlow).

    Raises:
      ValueError: listing the valid names.
    """
    package, class_name = _entry(name)
    return getattr(importlib.import_module(f"{package}.method"), class_name)


def get_options(name: str):
    """The :class:`~introgan_tf.methods.options.MethodOptions` of method ``name`` (light)."""
    package, _ = _entry(name)
    return importlib.import_module(f"{package}.options").OPTIONS[name]


def resolve_config(config: ExperimentConfig) -> ExperimentConfig:
    """Fills every unset field with the method's default and checks the result.

    The CLI (``flags/config_builder.py``) and a Python user building an ExperimentConfig by hand get the same
    values.  Idempotent: a resolved config comes back unchanged.

    Raises:
      InputError: one line naming the flag, for an invalid value or combination.
    """
    from introgan_tf.data.dataset_sequence import SEQUENCES  # pylint: disable=import-outside-toplevel
    from introgan_tf.methods.options import check_common  # pylint: disable=import-outside-toplevel
    try:
        options = get_options(config.method)
    except ValueError as error:
        from introgan_tf.errors import InputError  # pylint: disable=import-outside-toplevel
        raise InputError(f"--method={config.method}: {error}") from None
    if config.experiment in SEQUENCES:  # DGR's MNIST <-> SVHN: the first task's dataset is the run's dataset
        # and SVHN keeps its digit labels, as the DGR reference.
        config = config.replace(dataset=SEQUENCES[config.experiment][0]).replace_path("data.svhn_labels", "digit")
    config = options.resolve(config)
    check_common(config, options)
    options.check(config)
    return config


def default_text(path: str) -> str:
    """``--helpfull`` text of a per-method default: "introgan, ...: 10000; mergan: 4001 ..." (methods grouped)."""
    groups = {}
    for name in sorted(METHODS):
        groups.setdefault(get_options(name).text(path), []).append(name)
    if len(groups) == 1:
        return f"Default {next(iter(groups))} for every method."
    return "Default per method: " + "; ".join(f"{', '.join(names)}: {text}" for text, names in groups.items()) + "."
