"""The bounds' defaults: the IntroGAN benchmark's; the upper bound starts every session from scratch."""

from introgan_tf.methods.options import BENCHMARK_DEFAULTS, MethodOptions

OPTIONS = {
    "lower_bound": MethodOptions(defaults=BENCHMARK_DEFAULTS),
    "upper_bound": MethodOptions(defaults={**BENCHMARK_DEFAULTS, "growth.finetune": False}),
}
