"""DGR-ig's defaults (the IntroGAN repository's DGR script) and rules."""

from introgan_tf.errors import InputError
from introgan_tf.methods.options import BENCHMARK_DEFAULTS, IMAGE_SIDE_DEFAULTS, Default, MethodOptions


def _generator_iterations(config) -> int:
    """10,000 GAN iterations, as the original; with --iters given, half of it (or --iters - --solver_iterations)."""
    iters, solver = config.train.iters, config.dgr.solver_iterations
    if iters is None:
        return 10000
    return iters // 2 if solver is None else iters - solver


def _solver_iterations(config) -> int:
    """As many solver iterations as GAN iterations (the original's --iters counts both); or the rest of --iters."""
    iters = config.train.iters
    return config.dgr.generator_iterations if iters is None else iters - config.dgr.generator_iterations


def check(config) -> None:
    dgr, train = config.dgr, config.train
    if dgr.generator_iterations < 0 or dgr.solver_iterations < 0 or \
            dgr.generator_iterations + dgr.solver_iterations != train.iters:
        raise InputError(f"--iters={train.iters}: for dgr_ig it must equal --generator_iterations + "
                         f"--solver_iterations ({dgr.generator_iterations} + {dgr.solver_iterations})")


DEFAULTS = {
    # First the two phases, then --iters as their sum (the defaults resolve in this order).
    "dgr.generator_iterations": Default(_generator_iterations, "10000 (with only --iters given: half of it)"),
    "dgr.solver_iterations": Default(_solver_iterations,
                                     "as many as --generator_iterations (with --iters given: the rest of it)"),
    **{path: value for path, value in BENCHMARK_DEFAULTS.items() if path not in ("dgr.generator_iterations",
                                                                                "dgr.solver_iterations")},
    "train.iters": Default(lambda config: config.dgr.generator_iterations + config.dgr.solver_iterations,
                           "--generator_iterations + --solver_iterations (10000 + 10000)"),
    **IMAGE_SIDE_DEFAULTS,
}

OPTIONS = {"dgr_ig": MethodOptions(defaults=DEFAULTS, check=check)}
