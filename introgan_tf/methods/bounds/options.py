"""The bounds' defaults: the IntroGAN benchmark's; the upper bound starts every session from scratch."""

from introgan_tf.methods.options import BENCHMARK_DEFAULTS, MethodOptions

DEFAULTS = {**BENCHMARK_DEFAULTS, "train.dim": 64}  # the conv trunk's width (the SVHN scripts' dim)

OPTIONS = {
    "lower_bound": MethodOptions(defaults=DEFAULTS),
    "upper_bound": MethodOptions(defaults={**DEFAULTS, "growth.finetune": False}),
}
