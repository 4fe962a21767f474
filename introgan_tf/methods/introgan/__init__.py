"""IntroGAN (He et al., *Introspective GAN: Learning to Grow a GAN for Incremental Generation and
Classification*, Pattern Recognition 151, 2024): ``method.py`` (sessions), ``model.py`` (train_step),
``networks.py``, ``prototype_head.py`` (the classifier), ``growth.py``, ``options.py`` (defaults and rules)."""
