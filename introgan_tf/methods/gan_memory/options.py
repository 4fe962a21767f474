"""GAN Memory's defaults and rules (the original's recipe: Adam 1e-4, betas (0, 0.99), batch 16, 60,000
iterations per task; the source at batch 64), for ``gan_memory`` and ``gan_memory_source``."""

import math

from introgan_tf.errors import InputError
from introgan_tf.methods.options import BENCHMARK_DEFAULTS, Default, MethodOptions, positive

RECIPE = {"train.adam_lr": 1e-4, "train.adam_beta1": 0.0, "train.adam_beta2": 0.99, "train.mode": "dcgan",
          "train.critic_iters": 1}


def _classifier_iterations(config) -> int:
    """2 epochs over a task of nb_cl x N images at 36 real images per step (N: the dataset's images per class,
    6000 for MNIST); with --iters given: the rest of it after --gm_gan_iterations, or half of it."""
    gm, iters = config.gan_memory, config.train.iters
    if iters is not None:
        return iters - gm.gan_iterations if gm.gan_iterations is not None else iters - iters // 2
    from introgan_tf.data.datasets import resolve_info  # pylint: disable=import-outside-toplevel
    per_class = resolve_info(config.dataset, config.data, config.data_dir).replay_per_class
    return math.ceil(2 * (config.nb_cl or 2) * per_class / gm.classifier_batch)


def _gan_iterations(config) -> int:
    """60,000 (the original); with --iters given: the rest after --gm_classifier_iterations, or half of it."""
    gm, iters = config.gan_memory, config.train.iters
    if iters is None:
        return 60000
    return iters // 2 if gm.classifier_iterations is None else iters - gm.classifier_iterations


def check_recipe(config) -> None:
    gm = config.gan_memory
    positive(config, "gan_memory.width", "gan_memory.r1_every")
    if gm.r1_gamma < 0:
        raise InputError(f"--r1_gamma={gm.r1_gamma}: must be >= 0")
    if not 0.0 <= gm.ema_beta < 1.0:
        raise InputError(f"--ema_beta={gm.ema_beta}: must be in [0, 1)")
    if config.train.mode != "dcgan" or config.train.critic_iters != 1:
        raise InputError(f"--mode={config.train.mode} / --critic_iters={config.train.critic_iters}: GAN Memory "
                         f"trains with the non-saturating loss and one D step per G step only")
    from introgan_tf.data.datasets import resolve_info  # pylint: disable=import-outside-toplevel
    shape = resolve_info(config.dataset, config.data, config.data_dir).image_shape
    if not (max(shape[:2]) <= 32 or tuple(shape[:2]) == (64, 64)):
        raise InputError(f"--dataset={config.dataset}: GAN Memory's networks take images of at most 32x32 "
                         f"(padded) or exactly 64x64, not {shape[0]}x{shape[1]}")


def check_memory(config) -> None:
    check_recipe(config)
    gm = config.gan_memory
    positive(config, "gan_memory.classifier_batch", "gan_memory.replay_batch_per_task", "gan_memory.classifier_lr")
    check_lowrank(config)
    if gm.gan_iterations < 0 or gm.classifier_iterations < 0 or \
            gm.gan_iterations + gm.classifier_iterations != config.train.iters:
        raise InputError(f"--iters={config.train.iters}: for gan_memory it must equal --gm_gan_iterations + "
                         f"--gm_classifier_iterations ({gm.gan_iterations} + {gm.classifier_iterations})")


def check_lowrank(config) -> None:
    """--gm_lowrank's values: a weight >= 0, a positive period, an energy fraction in (0, 1] only with it."""
    gm = config.gan_memory
    if gm.lowrank_weight < 0:
        raise InputError(f"--gm_lowrank_weight={gm.lowrank_weight}: must be >= 0")
    if gm.lowrank_every <= 0:
        raise InputError(f"--gm_lowrank_every={gm.lowrank_every}: must be positive")
    if gm.lowrank_energy is not None:
        if not gm.lowrank:
            raise InputError(f"--gm_lowrank_energy={gm.lowrank_energy}: only with --gm_lowrank")
        if not 0.0 < gm.lowrank_energy <= 1.0:
            raise InputError(f"--gm_lowrank_energy={gm.lowrank_energy}: must be in (0, 1]")


def check_source(config) -> None:
    check_recipe(config)
    if config.gan_memory.lowrank:
        raise InputError("--gm_lowrank: compresses the task memories of --method gan_memory; the source "
                         "(gan_memory_source) has none")


def _all_classes(config) -> int:
    from introgan_tf.data.datasets import resolve_info  # pylint: disable=import-outside-toplevel
    return resolve_info(config.dataset, config.data, config.data_dir).num_classes


MEMORY_DEFAULTS = {
    "nb_cl": 2,
    "gan_memory.gan_iterations": Default(_gan_iterations, "60000 (with only --iters given: half of it)"),
    "gan_memory.classifier_iterations": Default(
        _classifier_iterations, "2 epochs of a task's real images at --classifier_batch (667 for MNIST, 2 classes)"),
    **{path: value for path, value in BENCHMARK_DEFAULTS.items() if path not in ("nb_cl",)},
    **RECIPE,
    "train.batch_size": 16,
    # The compression script: CONS_lowrank = 0.01 every 10th G step.
    "gan_memory.lowrank": False,
    "gan_memory.lowrank_weight": 0.01,
    "gan_memory.lowrank_every": 10,
    "train.iters": Default(lambda config: config.gan_memory.gan_iterations + config.gan_memory.classifier_iterations,
                           "--gm_gan_iterations + --gm_classifier_iterations"),
}

SOURCE_DEFAULTS = {
    "nb_cl": Default(_all_classes, "every class of the dataset (one session: the full training set)"),
    **{path: value for path, value in BENCHMARK_DEFAULTS.items() if path != "nb_cl"},
    **RECIPE,
    "train.batch_size": 64,
    "train.iters": 100000,
}

OPTIONS = {"gan_memory": MethodOptions(defaults=MEMORY_DEFAULTS, check=check_memory),
           "gan_memory_source": MethodOptions(defaults=SOURCE_DEFAULTS, check=check_source)}
