"""absl flag definitions for main.py; never imported by the library.

Import the modules as ``from flags import experiment_flags`` after
``from absl import flags``: ``import flags.x`` would shadow absl's module.
"""
