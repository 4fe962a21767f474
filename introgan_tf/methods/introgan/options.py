"""IntroGAN's defaults (the IntroGAN benchmark's) and rules."""

from introgan_tf.errors import InputError
from introgan_tf.methods.options import BENCHMARK_DEFAULTS, IMAGE_SIDE_DEFAULTS, MethodOptions, positive


def check(config) -> None:
    intro = config.introgan
    positive(config, "introgan.proto_num", "introgan.gamma", "introgan.proto_importance")
    if intro.fixed_center_idx < 0 or intro.fixed_center_idx >= intro.proto_num:
        raise InputError(f"--fixed_center_idx={intro.fixed_center_idx}: must be in 0..proto_num-1 "
                         f"({intro.proto_num - 1})")


OPTIONS = {"introgan": MethodOptions(defaults={**BENCHMARK_DEFAULTS, **IMAGE_SIDE_DEFAULTS}, check=check)}
