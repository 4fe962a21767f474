"""The lower and upper bounds of the IntroGAN benchmark: a CNN classifier fine-tuned on the new classes only
(``lower_bound``) or trained on every seen class (``upper_bound``); no generator."""
