"""IntroGAN's prototype classifier, its losses and its exemplars (docs/methods.md#introgan)."""

from absl import flags

flags.DEFINE_integer("proto_num", 20, "Prototypes (real exemplars) per class, chosen at random.")
flags.DEFINE_enum("dist_func", "squared_l2", ["squared_l2", "cosine"], "Distance of the prototype classifier.")
flags.DEFINE_float("gamma", 0.01, "Logit scale: logit = -gamma * distance.")
flags.DEFINE_float("protogan_scale", 1.0, "Weight of the real-batch prototype cross-entropy in the D loss.")
flags.DEFINE_float("protogan_scale_g", 0.1, "Weight of the fake-batch prototype cross-entropy in the G loss.")
flags.DEFINE_float("proto_weight_real", 0.0, "Centre-pull weight on real embeddings (D loss).")
flags.DEFINE_float("proto_weight_fake", 0.0, "Centre-pull weight on fake embeddings (G loss).")
flags.DEFINE_float("margin", 0.0, "Additive margin subtracted from the true-class logit.")
flags.DEFINE_enum("center_type", "rel_center", ["rel_center", "fixed_center", "multi_center"],
                  "Test-time logits: class centres, one fixed prototype, or the train-time rule.")
flags.DEFINE_integer("fixed_center_idx", 0, "Prototype index used by --center_type=fixed_center.")
flags.DEFINE_enum("rigorous", "min", ["min", "max", "mean", "random"],
                  "Train-time reduction of the distances over a class's prototypes.")
flags.DEFINE_bool("train_rel_center", False, "Train with the centre logits instead of the prototype reduction.")
flags.DEFINE_integer("proto_importance", 1, "Copies of each old-class exemplar added to the training pool.")
flags.DEFINE_bool("exemplars_dual_use", True, "Add the old classes' exemplars to the training pool.")
flags.DEFINE_enum("anti_imbalance", "none", ["none", "reweight"],
                  "reweight: per-sample weights N/(classes*N_class) in the real BCE and CE terms.")
