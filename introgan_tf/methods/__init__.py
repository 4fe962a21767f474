"""Method registry keyed by the ``--method`` names."""

import importlib

# name -> "module:Class"; imported lazily so that listing the names stays cheap.
METHODS = {
    "acgan": "introgan_tf.methods.acgan:ACGAN",
    "dgr": "introgan_tf.methods.dgr:DGR",
    "introgan": "introgan_tf.methods.introgan:IntroGAN",
    "lower_bound": "introgan_tf.methods.bounds:LowerBound",
    "mergan": "introgan_tf.methods.mergan:MeRGAN",
    "mergan_ig": "introgan_tf.methods.mergan_ig:MeRGANIG",
    "upper_bound": "introgan_tf.methods.bounds:UpperBound",
}


def get_method(name: str):
    """Returns the method class registered as ``name``.

    Raises:
      ValueError: listing the valid names.
    """
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; valid: {', '.join(sorted(METHODS))}")
    module_name, class_name = METHODS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)
