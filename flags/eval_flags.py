"""Evaluation flags: FID and generated-sample accuracy (docs/evaluation.md)."""

from absl import flags

flags.DEFINE_bool("skip_fid", False, "Skip the per-class FID after each session (quick runs).")
flags.DEFINE_integer("fid_samples_per_class", 10000, "Generated samples per class for FID.")
flags.DEFINE_enum("fid_extractor", "domain", ["domain", "inception"],
                  "FID features: the shipped domain classifier, or Inception-v3 pool features (--inception_weights).")
flags.DEFINE_string("inception_weights", None, "Inception-v3 weights file (.weights.h5/.h5) for --fid_extractor=inception.")
flags.DEFINE_string("precalc_fid_dir", None, "Directory of the FID statistics and extractor weights (default: precalc_fids/).")
flags.DEFINE_integer("gen_eval_interval", 0,
                     "Also compute the accuracy on generated samples every this many iterations within a session "
                     "(results.json generation_evaluations, TensorBoard, the report's curve). 0: at session ends only.")
flags.DEFINE_bool("gen_eval_fid", False, "With --gen_eval_interval: per-class FID at those points too (each costs "
                  "--fid_samples_per_class samples per seen class; needs the FID statistics).")
