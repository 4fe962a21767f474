"""introgan_tf: class-incremental generation and classification with GANs (Keras 3 / TensorFlow).

Reproduces IntroGAN (He et al., Pattern Recognition 2024) and its lineage.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"
