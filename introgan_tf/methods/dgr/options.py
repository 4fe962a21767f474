"""DGR's defaults (the reference code's) and rules."""

from introgan_tf.errors import InputError
from introgan_tf.layers import SIZE
from introgan_tf.methods.options import BENCHMARK_DEFAULTS, Default, MethodOptions, largest_image_side

REPLAY_MODES = ("none", "exact-replay", "generative-replay")


# The reference's run_full_experiments: MNIST <-> SVHN trains 20,000 generator and 4,000 solver iterations per
# task at learning rate 3e-5 (permuted MNIST and the class-incremental runs: 3,000 / 1,000 at 1e-4).
SEQUENCE_EXPERIMENTS = ("mnist-svhn", "svhn-mnist")


def _generator_iterations(config) -> int:
    """--generator_iterations: 3000 (20000 on mnist-svhn / svhn-mnist), or with --iters given a 3:1 split of it
    (or --iters - --solver_iterations)."""
    iters, solver = config.train.iters, config.dgr.solver_iterations
    if iters is None:
        return 20000 if config.experiment in SEQUENCE_EXPERIMENTS else 3000
    return (3 * iters) // 4 if solver is None else iters - solver


def _solver_iterations(config) -> int:
    iters = config.train.iters
    if iters is None:
        return 4000 if config.experiment in SEQUENCE_EXPERIMENTS else 1000
    return iters - config.dgr.generator_iterations


def check(config) -> None:
    dgr, train = config.dgr, config.train
    if train.mode != "wgan-gp":
        raise InputError(f"--mode={train.mode}: dgr trains a WGAN-GP (its only mode)")
    if dgr.generator_iterations < 0 or dgr.solver_iterations < 0 or \
            dgr.generator_iterations + dgr.solver_iterations != train.iters:
        raise InputError(f"--iters={train.iters}: for dgr it must equal --generator_iterations + "
                         f"--solver_iterations ({dgr.generator_iterations} + {dgr.solver_iterations})")
    if dgr.replay_mode not in REPLAY_MODES:
        raise InputError(f"--replay_mode={dgr.replay_mode}: expected one of {', '.join(REPLAY_MODES)}")
    if largest_image_side(config) > SIZE:
        raise InputError(f"--dataset={config.dataset}: dgr's networks take images of at most {SIZE}x{SIZE}")


DEFAULTS = {
    # First the two phases, then --iters as their sum (the defaults resolve in this order).
    "dgr.generator_iterations": Default(_generator_iterations, "3000, 20000 on mnist-svhn / svhn-mnist (with only "
                                                               "--iters given: 3/4 of it)"),
    "dgr.solver_iterations": Default(_solver_iterations, "1000, 4000 on mnist-svhn / svhn-mnist (with --iters "
                                                         "given: the rest of it)"),
    **{path: value for path, value in BENCHMARK_DEFAULTS.items() if not path.startswith("dgr.")},
    "train.iters": Default(lambda config: config.dgr.generator_iterations + config.dgr.solver_iterations,
                           "--generator_iterations + --solver_iterations (3000 + 1000)"),
    "train.batch_size": 32,
    "train.adam_lr": Default(lambda config: 3e-5 if config.experiment in SEQUENCE_EXPERIMENTS else 1e-4,
                             "1e-4, 3e-5 on mnist-svhn / svhn-mnist"),
    "train.adam_beta2": 0.9,
    # run_full_experiments: r = 0.4 on MNIST <-> SVHN, 0.3 on permuted MNIST (main.py's default).
    "dgr.importance_of_new_task": Default(lambda config: 0.4 if config.experiment in SEQUENCE_EXPERIMENTS else 0.3,
                                          "0.3, 0.4 on mnist-svhn / svhn-mnist"),
    "train.mode": "wgan-gp",
    "train.critic_iters": 5,
    "data.svhn_labels": "digit",  # the reference code's SVHN loader: label = y mod 10, the digit itself
    "dgr.weight_decay": 1e-5,
    "train.z_dim": 100,  # --generator-z-size
    "train.dim": 64,     # --generator-g-channel-size and --generator-c-channel-size (the solver keeps 1024)
}

OPTIONS = {"dgr": MethodOptions(defaults=DEFAULTS, experiments=("class-incremental", "permutated-mnist")
                                + SEQUENCE_EXPERIMENTS,
                                check=check)}
