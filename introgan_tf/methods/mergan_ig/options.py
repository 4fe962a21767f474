"""MeRGAN-ig's defaults: the IntroGAN benchmark's (batch 100, 10,000 iterations, Adam 2e-4 (0.5, 0.999),
acgan_scale_g 0.1)."""

from introgan_tf.methods.options import BENCHMARK_DEFAULTS, IMAGE_SIDE_DEFAULTS, MethodOptions

OPTIONS = {"mergan_ig": MethodOptions(defaults={**BENCHMARK_DEFAULTS, **IMAGE_SIDE_DEFAULTS})}
