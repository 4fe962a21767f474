"""MeRGAN's defaults, as ``mergan.py`` / ``joint.py`` / ``train.sh`` of the original, and its rules."""

from introgan_tf.errors import InputError
from introgan_tf.methods.options import BENCHMARK_DEFAULTS, Default, MethodOptions, dataset_info, largest_image_side


def _iters(config) -> int:
    if config.dataset == "lsun":
        return 20001                                            # mergan.py (no joint run on LSUN)
    per_task = 8001 if config.dataset == "svhn" else 4001       # mergan.py
    return per_task * 10 - 9 if config.mergan.mergan_mode == "joint" else per_task  # joint.py: 40001 / 80001


def _ra_factor(config) -> float:
    return 1e-2 if config.dataset == "svhn" else 1e-3  # train.sh (the script's own default is 1e-4)


def check(config) -> None:
    if config.train.mode != "wgan-gp":
        raise InputError(f"--mode={config.train.mode}: --method=mergan is a WGAN-GP (docs/methods.md#mergan); "
                         f"use --mode=wgan-gp")
    # RA and JTR draw floor(B / t) replay samples for each of the t old classes: at least one each.
    sessions = config.num_sessions or dataset_info(config).num_classes // config.nb_cl
    most_old = (sessions - 1) * config.nb_cl
    if config.mergan.mergan_mode in ("ra", "jtr") and most_old and config.train.batch_size < most_old:
        raise InputError(f"--batch_size={config.train.batch_size}: --mergan_mode={config.mergan.mergan_mode} needs "
                         f"at least one replay sample for each of the {most_old} old classes")


DEFAULTS = {
    **BENCHMARK_DEFAULTS,
    "nb_cl": 1,  # one class per task, as the original
    "train.iters": Default(_iters, "4001 per task (8001 on svhn, 20001 on lsun); --mergan_mode=joint: 40001 "
                                   "(80001)"),
    "train.z_dim": 128,
    "train.dim": Default(lambda config: 64 if largest_image_side(config) == 64 else 32,
                         "32 (64 on 64x64 datasets: the LSUN ResNets)"),
    "train.batch_size": 64,
    "train.adam_lr": 1e-4,
    "train.adam_beta1": 0.0,
    "train.adam_beta2": 0.9,
    "train.mode": "wgan-gp",
    "train.critic_iters": 5,
    "data.svhn_labels": "digit",  # the reference code's SVHN loader: label = y mod 10, the digit itself
    "aux.acgan_scale_g": 1.0,
    "mergan.ra_factor": Default(_ra_factor, "1e-3 (1e-2 on svhn), as the original's train.sh"),
}

OPTIONS = {"mergan": MethodOptions(defaults=DEFAULTS, check=check)}
