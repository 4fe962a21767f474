"""DGR as the IntroGAN benchmark runs it (``dgr_ig``): an unconditional DCGAN and a CNN solver, replay
generated once per session into a weighted pool (Shin et al., NIPS 2017, in the variant of the IntroGAN
repository, ``*_train_dgr.py``)."""
