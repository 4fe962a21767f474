"""AC-GAN's defaults and rules: the IntroGAN benchmark's schedule, acgan_scale_g 1.0, the original's nz = 110 and
widths (dim 16); --joint starts every session from scratch."""

from introgan_tf.errors import InputError
from introgan_tf.methods.options import BENCHMARK_DEFAULTS, Default, MethodOptions, dataset_info

NZ, DIM = 110, 16  # the original's --nz, and the channels of its D's first conv (networks.py)
# Network side -> the smallest image side it takes: 28..32 (MNIST padded) on the CIFAR-10 pair, 128 exactly on the
# ImageNet-folder pair.  Here, not in networks.py, so that checking a config imports no TensorFlow.
SIDES = {32: 28, 128: 128}


def network_size(image_shape) -> int:
    """The side of the networks that take ``image_shape`` images; one-line InputError if none does."""
    height, width, channels = tuple(image_shape)
    for side, smallest in sorted(SIDES.items()):
        if channels in (1, 3) and height == width and smallest <= height <= side:
            return side
    raise InputError(f"--method=acgan: no network for {height}x{width}x{channels} images (it has the CIFAR-10 "
                     f"networks for 28..32 square images and the ImageNet-folder networks for 128x128, with 1 or 3 "
                     f"channels)")


def check(config) -> None:
    if config.train.mode != "dcgan":
        raise InputError(f"--mode={config.train.mode}: acgan trains with the dcgan (BCE) losses only")
    if config.train.critic_iters != 1:
        raise InputError(f"--critic_iters={config.train.critic_iters}: acgan does one D step per G step")
    info = dataset_info(config)
    try:
        network_size(info.image_shape)
    except InputError as error:
        hint = (" (CIFAR-10's networks) or --image_size 128 (the ImageNet-folder networks)"
                if config.dataset in ("image_folder", "lsun") else "")
        raise InputError(f"--dataset={config.dataset}: {error}{'; pass --image_size 32' + hint if hint else ''}") \
            from None
    if config.train.z_dim < info.num_classes:
        raise InputError(f"--z_dim={config.train.z_dim}: acgan writes the one-hot label into z's first entries, so z "
                         f"needs at least the {info.num_classes} classes of {config.dataset}")


DEFAULTS = {
    **BENCHMARK_DEFAULTS,
    "growth.finetune": Default(lambda config: not config.acgan.joint,
                               "True; False with --joint (a new model every session)"),
    "aux.acgan_scale_g": 1.0,
    "train.z_dim": NZ,
    "train.dim": DIM,
}

OPTIONS = {"acgan": MethodOptions(defaults=DEFAULTS, check=check)}
