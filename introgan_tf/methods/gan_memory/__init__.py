"""GAN Memory (Cong, Zhao, Li, Wang, Carin, *GAN Memory with No Forgetting*, NeurIPS 2020): a frozen source GAN,
per-task AdaFM style modulation, pseudo-rehearsal classification.  ``gan_memory_source`` pretrains the source."""
