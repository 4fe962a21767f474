"""AC-GAN (Odena, Olah, Shlens, ICML 2017) as a continual baseline: sequential fine-tuning (a lower bound for
generation) or joint retraining on every seen class (an upper bound)."""
