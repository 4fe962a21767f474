"""The only reader of FLAGS: turns parsed flags into a validated ExperimentConfig.

Invalid values and combinations raise InputError with a one-line message that
names the flag; main.py prints it and exits with status 2.
"""

import os

from introgan_tf.config import BaselineConfig, EvalConfig, ExperimentConfig, IntroGANConfig, TrainConfig
from introgan_tf.data.class_orders import CLASS_ORDERS
from introgan_tf.data.datasets import get_dataset_info
from introgan_tf.errors import InputError


def _positive(values: dict, *names):
    for name in names:
        if values[name] is not None and values[name] <= 0:
            raise InputError(f"--{name}={values[name]}: must be positive")


def validate(config: ExperimentConfig) -> None:
    """Checks values and combinations that absl's enums cannot."""
    info = get_dataset_info(config.dataset)
    train, intro = config.train, config.introgan
    _positive(dict(nb_cl=config.nb_cl), "nb_cl")
    _positive(dataclass_values(train), "iters", "batch_size", "test_interval", "save_interval", "sample_interval",
              "adam_lr", "critic_iters", "log_every")
    _positive(dataclass_values(intro), "proto_num", "gamma", "proto_importance", "replay_per_class")
    _positive(dataclass_values(config.baseline), "class_iters")
    if config.baseline.diversity_promoting_weight < 0:
        raise InputError(f"--diversity_promoting_weight={config.baseline.diversity_promoting_weight}: must be >= 0")
    base = config.baseline
    if not 0.0 <= base.importance_of_new_task <= 1.0:
        raise InputError(f"--importance_of_new_task={base.importance_of_new_task}: must be in [0, 1]")
    if base.ra_factor < 0 or base.weight_decay < 0:
        raise InputError(f"--RA_factor={base.ra_factor} / --weight_decay={base.weight_decay}: must be >= 0")
    if config.method == "dgr" and (base.generator_iterations < 0 or base.solver_iterations < 0):
        raise InputError(f"--generator_iterations={base.generator_iterations} / --solver_iterations="
                         f"{base.solver_iterations}: must be >= 0")
    if config.experiment == "permutated-mnist":
        if config.method != "dgr":
            raise InputError(f"--experiment=permutated-mnist: only --method=dgr supports it, not {config.method}")
        if config.mnist_permutation_number < 1:
            raise InputError(f"--mnist_permutation_number={config.mnist_permutation_number}: must be positive")
    if info.num_classes % config.nb_cl:
        raise InputError(f"--nb_cl={config.nb_cl}: must divide the {info.num_classes} classes of {config.dataset}")
    if config.order_idx not in CLASS_ORDERS:
        raise InputError(f"--order_idx={config.order_idx}: expected one of {sorted(CLASS_ORDERS)}")
    total = info.num_classes // config.nb_cl
    if config.num_sessions is not None and not 1 <= config.num_sessions <= total:
        raise InputError(f"--num_sessions={config.num_sessions}: expected 1..{total} "
                         f"({info.num_classes} classes / nb_cl {config.nb_cl})")
    if not 0.0 <= train.adam_beta1 < 1.0 or not 0.0 <= train.adam_beta2 < 1.0:
        raise InputError(f"--adam_beta1/--adam_beta2 ({train.adam_beta1}, {train.adam_beta2}): must be in [0, 1)")
    if intro.fixed_center_idx < 0 or intro.fixed_center_idx >= intro.proto_num:
        raise InputError(f"--fixed_center_idx={intro.fixed_center_idx}: must be in 0..proto_num-1 ({intro.proto_num - 1})")
    if intro.improved_finetune_noise_level < 0:
        raise InputError(f"--improved_finetune_noise_level={intro.improved_finetune_noise_level}: must be >= 0")
    if config.eval.fid_samples_per_class < 2:
        raise InputError(f"--fid_samples_per_class={config.eval.fid_samples_per_class}: needs at least 2 for a covariance")
    if config.eval.fid_extractor == "inception" and not config.eval.skip_fid and not config.eval.inception_weights:
        raise InputError("--fid_extractor=inception needs --inception_weights=PATH (no download at run time)")
    if config.tfds_download and config.data_source != "tfds":
        raise InputError("--tfds_download: only meaningful with --data_source=tfds")


# Per-method defaults of flags whose absl default is the sentinel None (baselines.md 8.1).  Each entry maps a
# method to its value, or to a function of FLAGS for defaults that also depend on the dataset or the mode;
# methods not listed take the fallback given to ``resolve`` (the IntroGAN benchmark's value).
def _mergan_iters(FLAGS):  # pylint: disable=invalid-name
    per_task = 8001 if FLAGS.dataset == "svhn" else 4001      # mergan.py (1.4)
    return per_task * 10 - 9 if FLAGS.mergan_mode == "joint" else per_task  # joint.py: 40001 / 80001 (1.5)


def _dgr_iters(FLAGS):  # pylint: disable=invalid-name
    generator, solver = dgr_iterations(FLAGS)
    return generator + solver


METHOD_DEFAULTS = {
    # baselines.md 5.3/5.4: the joint classifier starts from scratch; so does AC-GAN's joint upper bound.
    "finetune": {"upper_bound": False, "acgan": lambda FLAGS: not FLAGS.joint},
    "iters": {"mergan": _mergan_iters, "dgr": _dgr_iters},
    "batch_size": {"mergan": 64, "dgr": 32},
    "adam_lr": {"mergan": 1e-4, "dgr": 1e-4},
    "adam_beta1": {"mergan": 0.0},
    "adam_beta2": {"mergan": 0.9, "dgr": 0.9},
    "mode": {"mergan": "wgan-gp", "dgr": "wgan-gp"},
    "critic_iters": {"mergan": 5, "dgr": 5},
    "nb_cl": {"mergan": 1},
    "acgan_scale_g": {"mergan": 1.0, "acgan": 1.0},
    "RA_factor": {"mergan": lambda FLAGS: 1e-2 if FLAGS.dataset == "svhn" else 1e-3},
    "weight_decay": {"dgr": 1e-5},
}


def resolve(FLAGS, name: str, fallback):  # pylint: disable=invalid-name
    """The flag's value if given, else the method's documented default, else ``fallback``."""
    value = getattr(FLAGS, name)
    if value is not None:
        return value
    default = METHOD_DEFAULTS.get(name, {}).get(FLAGS.method, fallback)
    return default(FLAGS) if callable(default) else default


def dgr_iterations(FLAGS):  # pylint: disable=invalid-name
    """(generator, solver) iterations per DGR task: the flags, else a 3:1 split of --iters, else 3000 / 1000."""
    generator, solver = FLAGS.generator_iterations, FLAGS.solver_iterations
    if FLAGS.iters is not None:
        if generator is None and solver is None:
            generator = (3 * FLAGS.iters) // 4
        generator = FLAGS.iters - solver if generator is None else generator
        solver = FLAGS.iters - generator if solver is None else solver
        if generator + solver != FLAGS.iters or generator < 0 or solver < 0:
            raise InputError(f"--iters={FLAGS.iters}: for dgr it must equal --generator_iterations + "
                             f"--solver_iterations ({generator} + {solver})")
    generator = 3000 if generator is None else generator
    solver = 1000 if solver is None else solver
    return generator, solver


def dataclass_values(obj) -> dict:
    return dict(vars(obj))


def _baseline_config(FLAGS) -> BaselineConfig:  # pylint: disable=invalid-name
    generator, solver = dgr_iterations(FLAGS) if FLAGS.method == "dgr" else (BaselineConfig.generator_iterations,
                                                                             BaselineConfig.solver_iterations)
    return BaselineConfig(
        class_iters=FLAGS.class_iters, acgan_scale=FLAGS.acgan_scale,
        acgan_scale_g=resolve(FLAGS, "acgan_scale_g", BaselineConfig.acgan_scale_g),
        use_softmax=FLAGS.use_softmax, diversity_promoting_weight=FLAGS.diversity_promoting_weight,
        mergan_mode=FLAGS.mergan_mode, ra_factor=resolve(FLAGS, "RA_factor", BaselineConfig.ra_factor),
        replay_mode=FLAGS.replay_mode, importance_of_new_task=FLAGS.importance_of_new_task,
        generator_iterations=generator, solver_iterations=solver,
        weight_decay=resolve(FLAGS, "weight_decay", 0.0), joint=FLAGS.joint)


def build_config(FLAGS) -> ExperimentConfig:  # pylint: disable=invalid-name
    """Builds and validates the config from parsed absl FLAGS."""
    result_dir = FLAGS.result_dir or os.path.join("result", FLAGS.method, f"{FLAGS.dataset}_order_{FLAGS.order_idx}")
    config = ExperimentConfig(
        dataset=FLAGS.dataset,
        method=FLAGS.method,
        result_dir=result_dir,
        data_dir=FLAGS.data_dir,
        data_source=FLAGS.data_source,
        tfds_data_dir=FLAGS.tfds_data_dir,
        tfds_download=FLAGS.tfds_download,
        order_idx=FLAGS.order_idx,
        nb_cl=resolve(FLAGS, "nb_cl", 2),
        experiment=FLAGS.experiment,
        mnist_permutation_number=FLAGS.mnist_permutation_number,
        mnist_permutation_seed=FLAGS.mnist_permutation_seed,
        num_sessions=FLAGS.num_sessions,
        seed=FLAGS.seed,
        resume=FLAGS.resume,
        train=TrainConfig(
            iters=resolve(FLAGS, "iters", TrainConfig.iters), batch_size=resolve(FLAGS, "batch_size", TrainConfig.batch_size),
            test_interval=FLAGS.test_interval, save_interval=FLAGS.save_interval,
            sample_interval=FLAGS.sample_interval, adam_lr=resolve(FLAGS, "adam_lr", TrainConfig.adam_lr),
            adam_beta1=resolve(FLAGS, "adam_beta1", TrainConfig.adam_beta1),
            adam_beta2=resolve(FLAGS, "adam_beta2", TrainConfig.adam_beta2), mode=resolve(FLAGS, "mode", TrainConfig.mode),
            critic_iters=resolve(FLAGS, "critic_iters", TrainConfig.critic_iters), lambda_gp=FLAGS.lambda_gp,
            jit_compile=FLAGS.jit_compile,
            log_every=FLAGS.log_every),
        introgan=IntroGANConfig(
            proto_num=FLAGS.proto_num, dist_func=FLAGS.dist_func, gamma=FLAGS.gamma,
            protogan_scale=FLAGS.protogan_scale, protogan_scale_g=FLAGS.protogan_scale_g,
            proto_weight_real=FLAGS.proto_weight_real, proto_weight_fake=FLAGS.proto_weight_fake,
            margin=FLAGS.margin, center_type=FLAGS.center_type, fixed_center_idx=FLAGS.fixed_center_idx,
            rigorous=FLAGS.rigorous, train_rel_center=FLAGS.train_rel_center,
            replay_per_class=FLAGS.replay_per_class, proto_importance=FLAGS.proto_importance,
            exemplars_dual_use=FLAGS.exemplars_dual_use,
            finetune=resolve(FLAGS, "finetune", IntroGANConfig.finetune),
            improved_finetune=FLAGS.improved_finetune, improved_finetune_type=FLAGS.improved_finetune_type,
            improved_finetune_noise=FLAGS.improved_finetune_noise,
            improved_finetune_noise_level=FLAGS.improved_finetune_noise_level,
            classification_only=FLAGS.classification_only, anti_imbalance=FLAGS.anti_imbalance),
        eval=EvalConfig(
            skip_fid=FLAGS.skip_fid, fid_samples_per_class=FLAGS.fid_samples_per_class,
            fid_extractor=FLAGS.fid_extractor, inception_weights=FLAGS.inception_weights,
            precalc_fid_dir=FLAGS.precalc_fid_dir),
        baseline=_baseline_config(FLAGS),
    )
    validate(config)
    return config


EVAL_FLAGS = ("skip_fid", "fid_samples_per_class", "fid_extractor", "inception_weights", "precalc_fid_dir")


def test_eval_override(FLAGS, config: ExperimentConfig):  # pylint: disable=invalid-name
    """For ``--test``: the command's EvalConfig if any evaluation flag was given, else None (the run's own)."""
    return config.eval if any(FLAGS[name].present for name in EVAL_FLAGS) else None


def is_test_mode(FLAGS) -> bool:  # pylint: disable=invalid-name
    return bool(FLAGS.test)
