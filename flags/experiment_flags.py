"""Flags that choose the experiment: dataset, method, scenario, data, results."""

from absl import flags

from introgan_tf.data.datasets import DATASETS
from introgan_tf.methods import METHODS, default_text

flags.DEFINE_enum("dataset", "fashion-mnist", sorted(DATASETS), "Dataset (registry key).")
flags.DEFINE_enum("method", "introgan", sorted(METHODS), "Continual-learning method (registry key).")
flags.DEFINE_string("data_dir", None,
                    "Directory holding the dataset's raw files. Default: search datasets/<dataset>/, "
                    "$INTROGAN_DATA_DIR/<dataset>/ and, for fashion-mnist, /usr/share/datasets/fashion-mnist/.")
flags.DEFINE_enum("data_source", "idx", ["idx", "tfds"],
                  "idx: read the dataset's own files directly (IDX, .mat, CIFAR batches, LMDB, image folders). "
                  "tfds (mnist, fashion-mnist, svhn): build the dataset with tensorflow-datasets, offline, using "
                  "those files as its manual download directory.")
flags.DEFINE_string("tfds_data_dir", None, "Where TFDS prepares datasets (default $TFDS_DATA_DIR or datasets/tfds).")
flags.DEFINE_bool("tfds_download", False, "With --data_source=tfds: let TFDS download the files (needs internet).")
flags.DEFINE_string("result_dir", None, "Output directory. Default: result/<method>/<dataset>_order_<order_idx>/.")
flags.DEFINE_integer("order_idx", 1, "Class order 1..5 of the IntroGAN benchmark.")
flags.DEFINE_integer("nb_cl", None, "Classes per session; must divide the number of classes. "
                     + default_text("nb_cl"))
flags.DEFINE_enum("experiment", "class-incremental", ["class-incremental", "permutated-mnist", "mnist-svhn",
                                                      "svhn-mnist"],
                  "Scenario. class-incremental: --nb_cl new classes per session. permutated-mnist (dgr only): "
                  "--mnist_permutation_number tasks of all classes, each under a fixed pixel permutation. "
                  "mnist-svhn / svhn-mnist (dgr only): two tasks, all of MNIST rendered 32x32x3 and all of SVHN "
                  "(digit labels) in that order; --dataset is set by the experiment, --data_dir names the first "
                  "dataset's directory and --second_data_dir the second's.")
flags.DEFINE_integer("mnist_permutation_number", 5, "permutated-mnist: number of tasks (permutations).")
flags.DEFINE_integer("mnist_permutation_seed", 0, "permutated-mnist: seed of the permutations.")
flags.DEFINE_integer("num_sessions", None, "Stop after this many sessions (default: all).")
flags.DEFINE_integer("seed", 1993, "Random seed (numpy, TF and Keras), 1993 as the original.")
flags.DEFINE_bool("test", False,
                  "Test mode (as MeRGAN/DGR): no training. Reload every finished session of --result_dir and "
                  "regenerate its accuracy, generation metrics (with this command's evaluation flags) and sample "
                  "grids into <result_dir>/test/. The run's own settings are read from its results.json.")
flags.DEFINE_bool("resume", False,
                  "Continue from the latest checkpoint in --result_dir (mid-session included). Without it, "
                  "an existing results.json in --result_dir is an error, so nothing is overwritten.")
flags.DEFINE_enum("nan_policy", "stop", ["stop", "ignore"],
                  "What a NaN or infinite loss does. stop: training ends at that step, no checkpoint or "
                  "SavedModel of the broken model is written, results.json records the session, iteration "
                  "and loss names, exit status 3 (--resume continues from the last good checkpoint). "
                  "ignore: train on (research only). See docs/faults.md.")
flags.DEFINE_integer("keep_checkpoints", 2,
                     "Checkpoints kept per session (>= 1). With 2 or more, --resume falls back to the previous "
                     "one when the newest cannot be read (flipped bytes, a truncated or missing shard).")
