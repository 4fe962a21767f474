"""Flags of GAN Memory and its source GAN (docs/methods.md#gan_memory)."""

from absl import flags

from introgan_tf.methods import default_text

flags.DEFINE_string("source_checkpoint", None,
                    "gan_memory: the frozen source GAN, a directory written by --method gan_memory_source (its "
                    "result_dir or its source/ folder, with manifest.json), or random:<seed> for a seeded random "
                    "source (mechanism tests only: the images are noise).  Required by gan_memory.")
flags.DEFINE_integer("gan_memory_width", 64, "gan_memory, gan_memory_source: nf, the base width of the ResNet G "
                     "and D (16 for CPU tests, 32, 64 at full scale); must match the source's.")
flags.DEFINE_float("r1_gamma", 10.0, "gan_memory, gan_memory_source: weight of the R1 penalty on real images, "
                   "GAN_stability's convention: r1_gamma * mean_b sum (dD/dx_b)^2, no 1/2.")
flags.DEFINE_integer("r1_every", 1, "gan_memory, gan_memory_source: R1 every this many D steps (1: every step, "
                     "the original's main scripts; 2: its compression script).")
flags.DEFINE_float("ema_beta", 0.999, "gan_memory, gan_memory_source: decay of the generator's EMA (gan_memory: "
                   "over the task's style parameters; the EMA is the task's memory).")
flags.DEFINE_integer("gm_gan_iterations", None, "gan_memory: GAN iterations per task, before the classifier's. "
                     + default_text("gan_memory.gan_iterations"))
flags.DEFINE_integer("gm_classifier_iterations", None, "gan_memory: pseudo-rehearsal steps of the lifelong "
                     "classifier per task, after the GAN's. " + default_text("gan_memory.classifier_iterations"))
flags.DEFINE_integer("classifier_batch", 36, "gan_memory: real images of the current task per classifier step.")
flags.DEFINE_integer("replay_batch_per_task", 36, "gan_memory: generated images of every earlier task per "
                     "classifier step (one shared draw of z and labels).")
flags.DEFINE_float("classifier_lr", 1e-4, "gan_memory: learning rate of the lifelong classifier's Adam.")
flags.DEFINE_boolean("gm_lowrank", None, "gan_memory: low-rank compression of every task's G style (the original's "
                     "compression script): a singular-value penalty during training and, after each task, an SVD "
                     "truncation of the compressed layers' scales and shifts onto bases shared with the later tasks. "
                     + default_text("gan_memory.lowrank"))
flags.DEFINE_float("gm_lowrank_weight", None, "gan_memory --gm_lowrank: weight of the singular-value penalty "
                   "sum_i s_i (0.1 + sigmoid(10 i / n)) in the G loss. " + default_text("gan_memory.lowrank_weight"))
flags.DEFINE_integer("gm_lowrank_every", None, "gan_memory --gm_lowrank: the penalty at every this many G steps. "
                     + default_text("gan_memory.lowrank_every"))
flags.DEFINE_float("gm_lowrank_energy", None, "gan_memory --gm_lowrank: the fraction of the singular-value sum kept, "
                   "in (0, 1], for every G block conv.  Unset: the original's fractions by output width (>= 1024: "
                   "0.8, 512: 0.9, 256: 0.95) and only those layers compressed (narrower ones keep full styles).")
