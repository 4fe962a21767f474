"""The only reader of FLAGS: turns parsed flags into a resolved, validated ExperimentConfig.

Every flag maps to one config field (:data:`FLAG_PATHS`).  Flags left at their sentinel default (None) take the
method's declared default through ``introgan_tf.methods.resolve_config`` -- the same function a Python user's
config goes through.  Invalid values and combinations raise InputError with a one-line message that names the
flag; main.py prints it and exits with status 2.
"""

import os

from introgan_tf.config import ExperimentConfig
from introgan_tf.data.dataset_sequence import SEQUENCES
from introgan_tf.methods import resolve_config

# flag name -> dotted config path.
FLAG_PATHS = {
    # experiment_flags
    "dataset": "dataset", "method": "method", "data_dir": "data_dir", "data_source": "data_source",
    "tfds_data_dir": "tfds_data_dir", "tfds_download": "tfds_download", "order_idx": "order_idx", "nb_cl": "nb_cl",
    "experiment": "experiment", "mnist_permutation_number": "mnist_permutation_number",
    "mnist_permutation_seed": "mnist_permutation_seed", "num_sessions": "num_sessions", "seed": "seed",
    "resume": "resume", "nan_policy": "nan_policy", "keep_checkpoints": "keep_checkpoints",
    # training_flags
    "iters": "train.iters", "batch_size": "train.batch_size", "test_interval": "train.test_interval",
    "save_interval": "train.save_interval", "sample_interval": "train.sample_interval", "adam_lr": "train.adam_lr",
    "adam_beta1": "train.adam_beta1", "adam_beta2": "train.adam_beta2", "mode": "train.mode",
    "critic_iters": "train.critic_iters", "z_dim": "train.z_dim", "dim": "train.dim", "lambda_gp": "train.lambda_gp",
    "classification_only": "train.classification_only", "jit_compile": "train.jit_compile",
    "log_every": "train.log_every", "mixed_precision": "train.mixed_precision", "strategy": "train.strategy",
    # growth_flags
    "finetune": "growth.finetune", "improved_finetune": "growth.improved_finetune",
    "improved_finetune_type": "growth.improved_finetune_type",
    "improved_finetune_noise": "growth.improved_finetune_noise",
    "improved_finetune_noise_level": "growth.improved_finetune_noise_level",
    "replay_per_class": "replay.replay_per_class",
    # introgan_flags
    **{name: f"introgan.{name}" for name in (
        "proto_num", "dist_func", "gamma", "protogan_scale", "protogan_scale_g", "proto_weight_real",
        "proto_weight_fake", "margin", "center_type", "fixed_center_idx", "rigorous", "train_rel_center",
        "proto_importance", "exemplars_dual_use", "anti_imbalance")},
    # baseline_flags
    **{name: f"aux.{name}" for name in (
        "class_iters", "acgan_scale", "acgan_scale_g", "use_softmax", "diversity_promoting_weight")},
    "mergan_mode": "mergan.mergan_mode", "RA_factor": "mergan.ra_factor",
    **{name: f"dgr.{name}" for name in (
        "replay_mode", "importance_of_new_task", "generator_iterations", "solver_iterations", "weight_decay",
        "dgr_ratio", "solver_adam_lr")},
    "joint": "acgan.joint",
    # gan_memory_flags
    "source_checkpoint": "gan_memory.source_checkpoint", "gan_memory_width": "gan_memory.width",
    "r1_gamma": "gan_memory.r1_gamma", "r1_every": "gan_memory.r1_every", "ema_beta": "gan_memory.ema_beta",
    "gm_gan_iterations": "gan_memory.gan_iterations", "gm_classifier_iterations": "gan_memory.classifier_iterations",
    "classifier_batch": "gan_memory.classifier_batch", "replay_batch_per_task": "gan_memory.replay_batch_per_task",
    "classifier_lr": "gan_memory.classifier_lr", "gm_lowrank": "gan_memory.lowrank",
    "gm_lowrank_weight": "gan_memory.lowrank_weight", "gm_lowrank_every": "gan_memory.lowrank_every",
    "gm_lowrank_energy": "gan_memory.lowrank_energy",
    # data_flags
    **{name: f"data.{name}" for name in (
        "svhn_extra", "svhn_labels", "image_size", "lsun_categories", "max_images_per_class", "lsun_resize",
        "verify_data", "data_cache", "second_data_dir")},
    # eval_flags
    **{name: f"eval.{name}" for name in (
        "skip_fid", "fid_samples_per_class", "fid_extractor", "inception_weights", "precalc_fid_dir",
        "gen_eval_interval", "gen_eval_fid")},
}


# Flags of the process, not of the run: main.py applies them before TensorFlow starts, and they change no number.
PROCESS_FLAGS = ("host_allocator",)


def build_config(FLAGS) -> ExperimentConfig:  # pylint: disable=invalid-name
    """Builds, resolves and validates the config from parsed absl FLAGS."""
    values = {}
    for flag, path in FLAG_PATHS.items():
        group, _, field = path.rpartition(".")
        (values.setdefault(group, {}) if group else values)[field] = getattr(FLAGS, flag)
    # DGR's dataset sequences choose their datasets themselves: name the folder after the experiment.
    run_name = FLAGS.experiment if FLAGS.experiment in SEQUENCES else f"{FLAGS.dataset}_order_{FLAGS.order_idx}"
    values["result_dir"] = FLAGS.result_dir or os.path.join("result", FLAGS.method, run_name)
    return resolve_config(ExperimentConfig.from_dict(values))


EVAL_FLAGS = tuple(flag for flag, path in FLAG_PATHS.items() if path.startswith("eval."))


def test_eval_override(FLAGS, config: ExperimentConfig):  # pylint: disable=invalid-name
    """For ``--test``: the command's EvalConfig if any evaluation flag was given, else None (the run's own)."""
    return config.eval if any(FLAGS[name].present for name in EVAL_FLAGS) else None


def is_test_mode(FLAGS) -> bool:  # pylint: disable=invalid-name
    return bool(FLAGS.test)
