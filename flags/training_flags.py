"""Flags of the optimisation and the schedule (introgan.md sections 6 and 11.2; baselines.md 8.1).

Flags whose documented default differs between methods have the sentinel
default None; ``flags/config_builder.py`` resolves them (METHOD_DEFAULTS) and
the resolved value is written to results.json.
"""

from absl import flags

flags.DEFINE_integer("iters", None,
                     "Training iterations per session. Default per method: 10000 (introgan, mergan_ig, bounds, acgan); "
                     "mergan 4001 on MNIST/Fashion-MNIST, 8001 on SVHN (joint mode: 40001 / 80001); "
                     "dgr --generator_iterations + --solver_iterations (3000 + 1000).")
flags.DEFINE_integer("batch_size", None, "Batch size. Default per method: 100; mergan 64; dgr 32.")
flags.DEFINE_integer("test_interval", 500, "Evaluate accuracy every this many iterations (and at session end).")
flags.DEFINE_integer("save_interval", 5000, "Checkpoint every this many iterations (and at session end).")
flags.DEFINE_integer("sample_interval", 2000, "Write a sample grid to TensorBoard every this many iterations.")
flags.DEFINE_float("adam_lr", None, "Adam learning rate. Default per method: 2e-4; mergan and dgr 1e-4.")
flags.DEFINE_float("adam_beta1", None, "Adam beta1. Default per method: 0.5; mergan 0.0.")
flags.DEFINE_float("adam_beta2", None, "Adam beta2. Default per method: 0.999; mergan and dgr 0.9.")
flags.DEFINE_enum("mode", None, ["dcgan", "wgan-gp"],
                  "Adversarial loss. Default per method: dcgan; mergan and dgr wgan-gp (their only mode).")
flags.DEFINE_integer("critic_iters", None, "Discriminator steps per generator step. Default per method: 1; "
                     "mergan 5; dgr 5 (--generator_c_updates_per_g_update of the original).")
flags.DEFINE_float("lambda_gp", 10.0, "Gradient-penalty weight in wgan-gp mode (--generator-lambda of DGR).")
flags.DEFINE_enum("jit_compile", "auto", ["auto", "true", "false"],
                  "XLA-compile the train step. auto: on GPU only (on CPU XLA measured several times slower).")
flags.DEFINE_integer("log_every", 1, "Write the losses to TensorBoard every this many iterations.")
