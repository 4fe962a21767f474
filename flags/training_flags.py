"""Flags of the optimisation and the schedule (introgan.md sections 6 and 11.2)."""

from absl import flags

flags.DEFINE_integer("iters", 10000, "Training iterations per session.")
flags.DEFINE_integer("batch_size", 100, "Batch size.")
flags.DEFINE_integer("test_interval", 500, "Evaluate accuracy every this many iterations (and at session end).")
flags.DEFINE_integer("save_interval", 5000, "Checkpoint every this many iterations (and at session end).")
flags.DEFINE_integer("sample_interval", 2000, "Write a sample grid to TensorBoard every this many iterations.")
flags.DEFINE_float("adam_lr", 2e-4, "Adam learning rate (G and D).")
flags.DEFINE_float("adam_beta1", 0.5, "Adam beta1.")
flags.DEFINE_float("adam_beta2", 0.999, "Adam beta2.")
flags.DEFINE_enum("mode", "dcgan", ["dcgan", "wgan-gp"], "Adversarial loss.")
flags.DEFINE_integer("critic_iters", 1, "Discriminator steps per generator step.")
flags.DEFINE_float("lambda_gp", 10.0, "Gradient-penalty weight in wgan-gp mode.")
flags.DEFINE_enum("jit_compile", "auto", ["auto", "true", "false"],
                  "XLA-compile the train step. auto: on GPU only (on CPU XLA measured several times slower).")
flags.DEFINE_integer("log_every", 1, "Write the losses to TensorBoard every this many iterations.")
