"""How a method declares its defaults and its rules, and the checks every config passes.

Light on purpose (no TensorFlow): the flag definitions read the defaults for their help texts.  Each method
package has an ``options.py`` with ``OPTIONS = {registry name: MethodOptions(...)}``; the defaults start from
:data:`BENCHMARK_DEFAULTS`, the values of the IntroGAN benchmark, and override what the method's paper or code
uses (docs/methods.md lists them per method).
"""

import dataclasses
from typing import Any, Callable, Mapping, Tuple

from introgan_tf.config import MIXED_PRECISION_POLICIES, STRATEGIES, ExperimentConfig
from introgan_tf.data.class_orders import CLASS_ORDERS
from introgan_tf.data.datasets import resolve_info
from introgan_tf.errors import InputError

# Methods whose train step runs under a tf.distribute strategy (see check_common).  gan_memory_source is not
# one yet: its step is GAN Memory's, but no test runs it under a strategy and its source files are written by
# every worker.
DISTRIBUTED_METHODS = ("lower_bound", "upper_bound", "introgan", "mergan", "mergan_ig", "acgan", "dgr", "dgr_ig",
                       "gan_memory")


@dataclasses.dataclass(frozen=True)
class Default:
    """A default that depends on the rest of the config (dataset, mode, ...).

    Attributes:
      value: config -> the value; it sees the fields resolved before it (in the defaults' order).
      text: how ``--helpfull`` describes it.
    """

    value: Callable[[ExperimentConfig], Any]
    text: str


def dataset_info(config: ExperimentConfig):
    """The run's DatasetInfo (LSUN's and image folders' shape and classes depend on the data settings)."""
    return resolve_info(config.dataset, config.data, config.data_dir)


def _dataset_replay(config: ExperimentConfig) -> int:
    return dataset_info(config).replay_per_class


# Dotted config path -> default.  Only fields that are None ("the method's default") get these values.
BENCHMARK_DEFAULTS = {
    "nb_cl": 2,
    "train.iters": 10000,
    "train.batch_size": 100,
    "train.adam_lr": 2e-4,
    "train.adam_beta1": 0.5,
    "train.adam_beta2": 0.999,
    "train.mode": "dcgan",
    "train.critic_iters": 1,
    "growth.finetune": True,
    "replay.replay_per_class": Default(_dataset_replay, "the dataset's N_rep (6000 for mnist and fashion-mnist)"),
    "aux.acgan_scale_g": 0.1,
    "mergan.ra_factor": 1e-3,
    "dgr.generator_iterations": 3000,
    "dgr.solver_iterations": 1000,
    "dgr.weight_decay": 0.0,
    "dgr.importance_of_new_task": 0.3,
    "dgr.solver_adam_lr": Default(lambda config: config.train.adam_lr, "--adam_lr"),
    # The original IntroGAN's utils/svhn.py: label = y - 1 (its class orders and FID files use these indices).
    "data.svhn_labels": "introgan",
}


def _no_rules(config: ExperimentConfig) -> None:
    del config


@dataclasses.dataclass(frozen=True)
class MethodOptions:
    """What a method declares about its configuration.

    Attributes:
      defaults: dotted config path -> value or :class:`Default`, resolved in this order.
      experiments: the ``--experiment`` scenarios the method supports.
      check: config -> None; raises InputError (naming the flag) for a combination the method cannot run.
    """

    defaults: Mapping[str, Any]
    experiments: Tuple[str, ...] = ("class-incremental",)
    check: Callable[[ExperimentConfig], None] = _no_rules

    def resolve(self, config: ExperimentConfig) -> ExperimentConfig:
        """``config`` with every unset (None) field that has a default set to it."""
        for path, default in self.defaults.items():
            if config.get(path) is None:
                config = config.replace_path(path, default.value(config) if isinstance(default, Default) else default)
        return config

    def text(self, path: str) -> str:
        """How ``--helpfull`` shows this method's default of ``path``."""
        default = self.defaults.get(path)
        return default.text if isinstance(default, Default) else str(default)


def positive(config: ExperimentConfig, *paths) -> None:
    """InputError naming the flag for each of ``paths`` (dotted; the flag is the last part) that is <= 0."""
    for path in paths:
        value = config.get(path)
        if value is not None and value <= 0:
            raise InputError(f"--{path.rpartition('.')[2]}={value}: must be positive")


def largest_image_side(config: ExperimentConfig) -> int:
    return max(dataset_image_shape(config)[:2])


def dataset_image_shape(config: ExperimentConfig) -> Tuple[int, int, int]:
    """(H, W, C) of the run's dataset as its DatasetInfo describes it (resolved with the data settings) (what shape-dependent defaults see; the
    networks themselves are chosen from the loaded data's shape, methods/<name>/networks.py)."""
    return tuple(dataset_info(config).image_shape)


# The IntroGAN benchmark's network settings (IntroGAN, MeRGAN-ig, DGR-ig, the bounds): z in R^100 on the 28x28
# networks (MNIST scripts), R^128 on the 32x32 ones (SVHN scripts); width dim = 64 in both.
IMAGE_SIDE_DEFAULTS = {
    "train.z_dim": Default(lambda config: 128 if largest_image_side(config) == 32 else 100,
                           "100 (128 on 32x32 datasets, as the SVHN scripts)"),
    "train.dim": 64,
}


NAN_POLICIES = ("stop", "ignore")


def check_common(config: ExperimentConfig, options: MethodOptions) -> None:
    """The checks every resolved config passes, whatever the method (one line naming the flag)."""
    data = config.data
    if data.image_size < 8:
        raise InputError(f"--image_size={data.image_size}: expected at least 8")
    if data.max_images_per_class < 0:
        raise InputError(f"--max_images_per_class={data.max_images_per_class}: expected >= 0 (0: all)")
    if data.lsun_resize not in ("center_crop", "stretch"):
        raise InputError(f"--lsun_resize={data.lsun_resize}: expected center_crop or stretch")
    if data.svhn_labels not in (None, "digit", "introgan"):
        raise InputError(f"--svhn_labels={data.svhn_labels}: expected digit or introgan")
    info = dataset_info(config)
    train = config.train
    positive(config, "nb_cl", "train.iters", "train.batch_size", "train.test_interval", "train.save_interval",
             "train.sample_interval", "train.adam_lr", "train.critic_iters", "train.log_every",
             "replay.replay_per_class", "aux.class_iters")
    if not 0.0 <= train.adam_beta1 < 1.0 or not 0.0 <= train.adam_beta2 < 1.0:
        raise InputError(f"--adam_beta1/--adam_beta2 ({train.adam_beta1}, {train.adam_beta2}): must be in [0, 1)")
    if config.growth.improved_finetune_noise_level < 0:
        raise InputError(f"--improved_finetune_noise_level={config.growth.improved_finetune_noise_level}: "
                         f"must be >= 0")
    if config.aux.diversity_promoting_weight < 0:
        raise InputError(f"--diversity_promoting_weight={config.aux.diversity_promoting_weight}: must be >= 0")
    if config.mergan.ra_factor < 0 or config.dgr.weight_decay < 0:
        raise InputError(f"--RA_factor={config.mergan.ra_factor} / --weight_decay={config.dgr.weight_decay}: "
                         f"must be >= 0")
    if not 0.0 <= config.dgr.dgr_ratio <= 1.0:
        raise InputError(f"--dgr_ratio={config.dgr.dgr_ratio}: must be in [0, 1]")
    positive(config, "dgr.solver_adam_lr", "train.z_dim", "train.dim")
    for path in ("train.z_dim", "train.dim"):  # a method without the setting must not ignore it silently
        if config.get(path) is not None and path not in options.defaults:
            raise InputError(f"--{path.rpartition('.')[2]}={config.get(path)}: --method={config.method} has no such "
                             f"setting (its networks are fixed)")
    if not 0.0 <= config.dgr.importance_of_new_task <= 1.0:
        raise InputError(f"--importance_of_new_task={config.dgr.importance_of_new_task}: must be in [0, 1]")
    if config.experiment not in options.experiments:
        raise InputError(f"--experiment={config.experiment}: --method={config.method} supports only "
                         f"{', '.join(options.experiments)}")
    if config.experiment == "permutated-mnist" and config.mnist_permutation_number < 1:
        raise InputError(f"--mnist_permutation_number={config.mnist_permutation_number}: must be positive")
    if config.order_idx not in CLASS_ORDERS:
        raise InputError(f"--order_idx={config.order_idx}: expected one of {sorted(CLASS_ORDERS)}")
    if config.experiment == "permutated-mnist":  # every task holds every class: --nb_cl does not apply
        total, unit = config.mnist_permutation_number, "--mnist_permutation_number"
    elif config.experiment in ("mnist-svhn", "svhn-mnist"):  # two tasks, one dataset each
        total, unit = 2, f"--experiment {config.experiment}"
    else:
        if info.num_classes % config.nb_cl:
            raise InputError(f"--nb_cl={config.nb_cl}: must divide the {info.num_classes} classes of {config.dataset}")
        total, unit = info.num_classes // config.nb_cl, f"{info.num_classes} classes / nb_cl {config.nb_cl}"
    if config.num_sessions is not None and not 1 <= config.num_sessions <= total:
        raise InputError(f"--num_sessions={config.num_sessions}: expected 1..{total} ({unit})")
    if config.eval.gen_eval_interval < 0:
        raise InputError(f"--gen_eval_interval={config.eval.gen_eval_interval}: must be >= 0 (0: session ends only)")
    if config.eval.fid_samples_per_class < 2:
        raise InputError(f"--fid_samples_per_class={config.eval.fid_samples_per_class}: needs at least 2 for a "
                         f"covariance")
    if config.eval.fid_extractor == "inception" and not config.eval.skip_fid and not config.eval.inception_weights:
        raise InputError("--fid_extractor=inception needs --inception_weights=PATH (no download at run time)")
    if train.mixed_precision not in MIXED_PRECISION_POLICIES:
        raise InputError(f"--mixed_precision={train.mixed_precision}: expected one of "
                         f"{', '.join(MIXED_PRECISION_POLICIES)}")
    if train.strategy not in STRATEGIES:
        raise InputError(f"--strategy={train.strategy}: expected one of {', '.join(STRATEGIES)}")
    if train.strategy != "default" and config.method not in DISTRIBUTED_METHODS:
        # Their generator step sits in a tf.cond (no G step at iteration 0), and tf.distribute refuses the
        # optimiser's merge_call inside control flow (RuntimeError "merge_call called while defining a new graph").
        raise InputError(f"--strategy={train.strategy}: not supported for --method={config.method} yet (only "
                         f"{', '.join(DISTRIBUTED_METHODS)}); use --strategy=default")
    if config.nan_policy not in NAN_POLICIES:
        raise InputError(f"--nan_policy={config.nan_policy}: expected one of {', '.join(NAN_POLICIES)}")
    if config.keep_checkpoints < 1:
        raise InputError(f"--keep_checkpoints={config.keep_checkpoints}: must be >= 1 (2 keeps a fallback)")
    if config.tfds_download and config.data_source != "tfds":
        raise InputError("--tfds_download: only meaningful with --data_source=tfds")
