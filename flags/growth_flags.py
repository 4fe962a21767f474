"""Fine-tuning, growth by copy and pool replay, shared by the IntroGAN family (introgan, mergan_ig, the bounds;
--finetune also acgan); docs/methods.md, "Growth by copy" and "Pool replay"."""

from absl import flags

from introgan_tf.methods import default_text

flags.DEFINE_bool("finetune", None, "Initialise each session from the previous one. " + default_text("growth.finetune"))
flags.DEFINE_bool("improved_finetune", True, "Grow new class rows as noisy copies of the most-confused old class.")
flags.DEFINE_enum("improved_finetune_type", "v2", ["v1", "v2"],
                  "Noise scale of the copy: v2 = rho*std(row), v1 = rho*(max-min)/6.")
flags.DEFINE_bool("improved_finetune_noise", True, "Add noise to the copied row.")
flags.DEFINE_float("improved_finetune_noise_level", 0.5, "rho, the relative noise level of the copy.")
flags.DEFINE_integer("replay_per_class", None, "introgan, mergan_ig: generated replay images per old class. "
                     + default_text("replay.replay_per_class"))
