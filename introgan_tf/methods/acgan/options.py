"""AC-GAN's defaults and rules: the IntroGAN benchmark's schedule, acgan_scale_g 1.0; --joint starts every
session from scratch."""

from introgan_tf.errors import InputError
from introgan_tf.layers import SIZE
from introgan_tf.methods.options import BENCHMARK_DEFAULTS, Default, MethodOptions, largest_image_side


def check(config) -> None:
    if config.train.mode != "dcgan":
        raise InputError(f"--mode={config.train.mode}: acgan trains with the dcgan (BCE) losses only")
    if config.train.critic_iters != 1:
        raise InputError(f"--critic_iters={config.train.critic_iters}: acgan does one D step per G step")
    if largest_image_side(config) > SIZE:
        raise InputError(f"--dataset={config.dataset}: acgan's networks take images of at most {SIZE}x{SIZE}")


DEFAULTS = {
    **BENCHMARK_DEFAULTS,
    "growth.finetune": Default(lambda config: not config.acgan.joint,
                               "True; False with --joint (a new model every session)"),
    "aux.acgan_scale_g": 1.0,
}

OPTIONS = {"acgan": MethodOptions(defaults=DEFAULTS, check=check)}
