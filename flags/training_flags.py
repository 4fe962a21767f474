"""Flags of the optimisation and the schedule, shared by every method (docs/methods.md, "Shared schedule").

Flags whose documented default differs between methods have the sentinel default None; the method's declared
default (``introgan_tf/methods/<name>/options.py``) fills them, and the help text lists them per method.
"""

from absl import flags

from introgan_tf import host_memory
from introgan_tf.methods import default_text

flags.DEFINE_integer("iters", None, "Training iterations per session. " + default_text("train.iters"))
flags.DEFINE_integer("batch_size", None, "Batch size. " + default_text("train.batch_size"))
flags.DEFINE_integer("test_interval", 500, "Evaluate accuracy every this many iterations (and at session end).")
flags.DEFINE_integer("save_interval", 5000, "Checkpoint every this many iterations (and at session end).")
flags.DEFINE_integer("sample_interval", 2000, "Write a sample grid to TensorBoard every this many iterations.")
flags.DEFINE_float("adam_lr", None, "Adam learning rate. " + default_text("train.adam_lr"))
flags.DEFINE_float("adam_beta1", None, "Adam beta1. " + default_text("train.adam_beta1"))
flags.DEFINE_float("adam_beta2", None, "Adam beta2. " + default_text("train.adam_beta2"))
flags.DEFINE_enum("mode", None, ["dcgan", "wgan-gp"],
                  "Adversarial loss (mergan and dgr support only wgan-gp, acgan only dcgan). "
                  + default_text("train.mode"))
flags.DEFINE_integer("critic_iters", None, "Discriminator steps per generator step, each on the next real batch. "
                     + default_text("train.critic_iters"))
flags.DEFINE_integer("z_dim", None, "Size of the generator's noise z (DGR's --generator-z-size, AC-GAN's --nz). "
                     + default_text("train.z_dim"))
flags.DEFINE_integer("dim", None, "Width of the networks, the originals' `dim` (the channels of the first conv; "
                     "the other layers scale with it). " + default_text("train.dim"))
flags.DEFINE_float("lambda_gp", 10.0, "Gradient-penalty weight in wgan-gp mode (--generator-lambda of DGR).")
flags.DEFINE_bool("classification_only", False,
                  "Ablation (introgan, mergan_ig): only the classifier trains; G stays at its initialisation.")
flags.DEFINE_enum("jit_compile", "auto", ["auto", "true", "false"],
                  "XLA-compile the train step. auto: on GPU only (on CPU XLA measured several times slower).")
flags.DEFINE_enum("mixed_precision", "off", ["off", "bf16", "fp16"],
                  "Keras mixed precision for every network: off (float32), bf16 (mixed_bfloat16) or fp16 "
                  "(mixed_float16 with dynamic loss scaling). Variables, images, logits, prototype distances and "
                  "losses stay float32.")
flags.DEFINE_enum("strategy", "default", ["default", "mirrored", "multi_worker"],
                  "tf.distribute strategy. default: one device. mirrored: every GPU of this machine (else every "
                  "logical CPU device), the global --batch_size split between them. multi_worker: "
                  "MultiWorkerMirroredStrategy over the cluster in TF_CONFIG; only worker 0 writes --result_dir.")
flags.DEFINE_enum("host_allocator", host_memory.DEFAULT, list(host_memory.CHOICES),
                  "Host (CPU) memory. tensorflow: TensorFlow's own oneDNN pool, which keeps every region it grows, "
                  "so resident memory creeps up from session to session. system: TensorFlow's oneDNN ops allocate "
                  "through malloc, and glibc hands freed blocks of 8 MiB and more back to the OS, so the creep is "
                  "about halved (same numbers; on a 2-core CPU IntroGAN's fp32 steps ran 3-12 % slower, DGR 28 %). Set "
                  "before TensorFlow starts; TF_ONEDNN_USE_SYSTEM_ALLOCATOR, MALLOC_MMAP_THRESHOLD_ and "
                  "MALLOC_TRIM_THRESHOLD_ given in the environment win.")
flags.DEFINE_integer("log_every", 1, "Write the losses to TensorBoard every this many iterations.")
