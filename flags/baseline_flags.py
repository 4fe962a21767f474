"""Flags of the baselines that IntroGAN does not have (baselines.md 2.5): MeRGAN-ig's AC-GAN terms.

The shared benchmark flags (--iters, --adam_*, --mode, --critic_iters, --finetune, --improved_finetune*,
--replay_per_class, --classification_only) keep their names and live with the other modules.
"""

from absl import flags

flags.DEFINE_integer("class_iters", 1, "mergan_ig: class-head steps per iteration, each on the next real batch.")
flags.DEFINE_float("acgan_scale", 1.0, "mergan_ig: weight of the real-batch class cross-entropy (class step).")
flags.DEFINE_float("acgan_scale_g", 0.1, "mergan_ig: weight of the fake-batch class cross-entropy in the G loss.")
flags.DEFINE_bool("use_softmax", True,
                  "mergan_ig: softmax cross-entropy for the class head; False: sigmoid cross-entropy against one-hot.")
flags.DEFINE_float("diversity_promoting_weight", 0.0,
                   "mergan_ig: w_div, weight of the diversity term mean|x1-x2|/mean|z1-z2| subtracted from the G loss.")
