"""Flags of the baselines: the AC-GAN family's class terms, MeRGAN, DGR and AC-GAN (docs/methods.md).

The shared benchmark flags (--iters, --adam_*, --mode, --critic_iters, --finetune, --improved_finetune*,
--replay_per_class, --classification_only) keep their names and live with the other modules.
"""

from absl import flags

from introgan_tf.methods import default_text

# The auxiliary-classifier terms of the AC-GAN family.
flags.DEFINE_integer("class_iters", 1, "mergan_ig: class-head steps per iteration, each on the next real batch.")
flags.DEFINE_float("acgan_scale", 1.0, "mergan_ig, mergan, acgan: weight of the real-batch class cross-entropy.")
flags.DEFINE_float("acgan_scale_g", None, "mergan_ig, mergan, acgan: weight of the fake-batch class cross-entropy "
                   "in the G loss. " + default_text("aux.acgan_scale_g"))
flags.DEFINE_bool("use_softmax", True,
                  "mergan_ig: softmax cross-entropy for the class head; False: sigmoid cross-entropy against one-hot.")
flags.DEFINE_float("diversity_promoting_weight", 0.0,
                   "mergan_ig: w_div, weight of the diversity term mean|x1-x2|/mean|z1-z2| subtracted from the G loss.")

# MeRGAN, official protocol.
flags.DEFINE_enum("mergan_mode", "ra", ["sft", "jtr", "ra", "joint"],
                  "mergan: sft = sequential fine-tuning (no flag in the original), jtr = Joint Training with Replay "
                  "(--JTR), ra = Replay Alignment (--RA), joint = the joint upper bound (joint.py) retrained on "
                  "every seen class each session.")
flags.DEFINE_float("RA_factor", None, "mergan --mergan_mode=ra: weight of the replay-alignment loss. "
                   + default_text("mergan.ra_factor"))

# Deep Generative Replay, reference protocol; underscores for the original's hyphens.
flags.DEFINE_enum("replay_mode", "generative-replay", ["none", "exact-replay", "generative-replay"],
                  "dgr: what the previous tasks replay: nothing, their real data, or samples of the previous "
                  "scholar labelled by the previous solver.")
flags.DEFINE_float("importance_of_new_task", None,
                   "dgr: r; losses are r * new-task loss + (1 - r) * replay loss. "
                   + default_text("dgr.importance_of_new_task"))
flags.DEFINE_integer("generator_iterations", None, "dgr: generator iterations per task, before the solver's. "
                     + default_text("dgr.generator_iterations"))
flags.DEFINE_integer("solver_iterations", None, "dgr: solver iterations per task, after the generator's. "
                     + default_text("dgr.solver_iterations"))
flags.DEFINE_float("weight_decay", None, "dgr: L2 weight decay of its Adams (PyTorch's, not AdamW). "
                   + default_text("dgr.weight_decay"))

# DGR as the IntroGAN benchmark runs it.
flags.DEFINE_float("dgr_ratio", 0.5, "dgr_ig: r, the weight of the new classes' real images in the solver's loss "
                   "(the replay gets 1 - r; session 1 has weight 1).")
flags.DEFINE_float("solver_adam_lr", None, "dgr_ig: learning rate of the solver's Adam. "
                   + default_text("dgr.solver_adam_lr"))

# AC-GAN.
flags.DEFINE_bool("joint", False, "acgan: train every session on all seen classes (the joint upper bound) "
                  "instead of the new classes only (sequential fine-tuning).")
