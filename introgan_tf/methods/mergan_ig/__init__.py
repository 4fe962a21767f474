"""MeRGAN as the IntroGAN benchmark runs it (``mergan_ig``): an AC-GAN with pool replay and growth by copy
(Wu et al., NeurIPS 2018, in the variant of the IntroGAN repository)."""
