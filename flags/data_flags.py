"""Flags that say how a dataset's files are read (docs/datasets.md): SVHN, LSUN, image folders, checksums."""

from absl import flags

from introgan_tf.methods import default_text

flags.DEFINE_bool("svhn_extra", False, "svhn: add extra_32x32.mat (531,131 images) to the training split.")
flags.DEFINE_enum("svhn_labels", None, ["digit", "introgan"],
                  "svhn: digit = the digit itself (the .mat's 10 is digit 0; MeRGAN, DGR, TFDS); introgan = the "
                  ".mat value - 1 (index 9 is digit 0), as the original IntroGAN, whose class orders and per-class "
                  "FID files use these indices. " + default_text("data.svhn_labels"))
flags.DEFINE_integer("image_size", 64, "lsun, image_folder: side of the square images (resize + centre crop).")
flags.DEFINE_string("lsun_categories", "bedroom,kitchen,church_outdoor,tower",
                    "lsun: comma-separated categories, one class each in this order; each is read from "
                    "<data_dir>/<category>_train_lmdb (MeRGAN's four by default).")
flags.DEFINE_integer("max_images_per_class", 0,
                     "lsun, image_folder: read at most this many training images per class (the first in key / "
                     "file-name order); 0: all.")
flags.DEFINE_enum("lsun_resize", "center_crop", ["center_crop", "stretch"],
                  "lsun, image_folder: center_crop = the largest centred square, then resize; stretch = resize the "
                  "whole image to a square (MeRGAN's own LSUN loader).")
flags.DEFINE_bool("verify_data", False,
                  "Compute the sha256 of every official-size file with an official checksum, also above 2 GB "
                  "(LSUN's archives; by default only files below 2 GB are hashed, the size is always compared).")
flags.DEFINE_string("second_data_dir", None,
                    "dgr --experiment mnist-svhn / svhn-mnist: directory of the second dataset's files (default: "
                    "the usual search order, e.g. $INTROGAN_DATA_DIR/svhn/).")
flags.DEFINE_bool("data_cache", True,
                  "lsun, image_folder: keep the decoded, resized images in ~/.cache/introgan_tf/decoded/ (keyed by "
                  "the files' sizes and times and these settings), so only the first run decodes them.")
