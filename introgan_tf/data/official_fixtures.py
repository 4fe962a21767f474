"""Small files in the exact official formats of every seed dataset, and damaged copies of them.

For the "Done when" check of the colour datasets (``benchmarks/data_done_when.py``) and its tests: the
directories that ``python main.py --dataset <name> --data_dir DIR`` reads, written with the writers of
``introgan_tf/testing.py`` (a ``.mat`` of MATLAB v5 with ``X`` uint8 [32, 32, 3, N] and ``y`` [N, 1]; CIFAR-10
binary batches; LSUN LMDB databases of real JPEG and WebP encodings; a class-per-folder tree of PNG and JPEG
files; MNIST's gzipped IDX files), and :data:`DEFECTS`, the ways a user's copy is damaged in practice (a
truncated download, a file that is not the format, a value out of range), each of which a run must end with one
line naming the file.

The images are the learnable classes of :func:`introgan_tf.testing.class_images` (or smooth class-coloured
scenes for the encoded formats), so the files are small and a run on them means something.
"""

import os
import shutil
from typing import Callable, Dict, NamedTuple

from introgan_tf import testing

LSUN_CATEGORIES = ("bedroom", "kitchen", "church_outdoor", "tower")  # MeRGAN's four, --lsun_categories' default
FOLDER_CLASSES = ("n01440764", "n01443537", "n01484850")               # ImageNet-style synset folder names


def _colour(train_per_class: int, test_per_class: int, seed: int):
    return testing.synthetic_dataset("mnist", train_per_class, test_per_class, image_shape=(32, 32, 3), seed=seed)


def write_svhn(directory: str, train_per_class: int = 8, test_per_class: int = 2, seed: int = 0) -> str:
    """``train_32x32.mat`` and ``test_32x32.mat`` (labels 1..10, 10 = digit 0), zlib-compressed as the originals."""
    data = _colour(train_per_class, test_per_class, seed)
    testing.write_svhn_mat(os.path.join(directory, "train_32x32.mat"), data.x_train,
                           testing.svhn_values(data.y_train))
    testing.write_svhn_mat(os.path.join(directory, "test_32x32.mat"), data.x_test, testing.svhn_values(data.y_test))
    return directory


def write_cifar10(directory: str, train_per_class: int = 10, test_per_class: int = 2, seed: int = 1) -> str:
    """``cifar-10-batches-bin/`` (five training batches and ``test_batch.bin``) and ``batches.meta.txt``."""
    testing.write_cifar10_dir(directory, _colour(train_per_class, test_per_class, seed))
    with open(os.path.join(directory, "cifar-10-batches-bin", "batches.meta.txt"), "w") as handle:
        handle.write("\n".join(("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                                "truck")) + "\n\n")
    return directory


def write_mnist(directory: str, train_per_class: int = 8, test_per_class: int = 2, seed: int = 2) -> str:
    """MNIST's four gzipped IDX files (28x28 grey)."""
    return testing.write_idx_files(directory, testing.synthetic_dataset("mnist", train_per_class, test_per_class,
                                                                        seed=seed))


def write_lsun(directory: str, per_category: int = 10, val_per_category: int = 2, categories=LSUN_CATEGORIES) -> str:
    """``<category>_train_lmdb`` and ``<category>_val_lmdb`` per category: JPEG and WebP values of the odd sizes
    (256x341, 341x256) that the crop must handle."""
    for label, category in enumerate(categories):
        images = testing.scene_images(per_category + val_per_category, 256, 341, label)
        values = [testing.encode_image(image if i % 2 else image.transpose(1, 0, 2), "WEBP" if i % 2 else "JPEG")
                  for i, image in enumerate(images)]
        testing.write_lsun_lmdb(os.path.join(directory, f"{category}_train_lmdb"), values[:per_category])
        testing.write_lsun_lmdb(os.path.join(directory, f"{category}_val_lmdb"), values[per_category:])
    return directory


def write_image_folder(directory: str, per_class: int = 10, classes=FOLDER_CLASSES, size=(150, 200)) -> str:
    """``<directory>/<class>/<files>``: PNG and JPEG files of a non-square size, one folder per class."""
    from PIL import Image  # pylint: disable=import-outside-toplevel

    for label, name in enumerate(classes):
        folder = os.path.join(directory, name)
        os.makedirs(folder, exist_ok=True)
        for i, image in enumerate(testing.scene_images(per_class, *size, label)):
            Image.fromarray(image).save(os.path.join(folder, f"{name}_{i:04d}.{'png' if i % 2 else 'JPEG'}"))
    return directory


WRITERS: Dict[str, Callable[[str], str]] = {"svhn": write_svhn, "cifar10": write_cifar10, "mnist": write_mnist,
                                             "lsun": write_lsun, "image_folder": write_image_folder}


def write_all(root: str) -> Dict[str, str]:
    """Every dataset's official-format directory under ``root`` (``root/<name>``); returns name -> directory."""
    return {name: write(os.path.join(root, name)) for name, write in WRITERS.items()}


# ------------------------------------------------------------------------------------------------ defects
def truncate(path: str, keep: float = 0.5) -> str:
    """Keeps the first ``keep`` of the file, and never a whole number of 1,000 bytes: an interrupted download."""
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(data[:int(len(data) * keep) - 7])
    return path


def overwrite(path: str, data: bytes) -> str:
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _svhn_label_11(directory: str) -> str:
    data = _colour(2, 1, 5)
    labels = testing.svhn_values(data.y_test)
    labels[0] = 11
    return testing.write_svhn_mat(os.path.join(directory, "test_32x32.mat"), data.x_test, labels)


def _cifar_label_byte(directory: str) -> str:
    path = os.path.join(directory, "cifar-10-batches-bin", "test_batch.bin")
    data = bytearray(open(path, "rb").read())
    data[0] = 10  # labels are 0..9
    return overwrite(path, bytes(data))


def _lsun_corrupt_value(directory: str) -> str:
    path = os.path.join(directory, "kitchen_train_lmdb")
    good = testing.encode_image(testing.scene_images(1, 256, 341, 1)[0], "JPEG")
    shutil.rmtree(path)
    testing.write_lsun_lmdb(path, [good] * 4 + [good[:len(good) // 3]] + [good] * 5)
    return os.path.join(path, "data.mdb")


def _first_image(directory: str, extension: str) -> str:
    folder = os.path.join(directory, FOLDER_CLASSES[1])
    return os.path.join(folder, sorted(f for f in os.listdir(folder) if f.endswith(extension))[0])


class Defect(NamedTuple):
    """A damaged copy: ``dataset``'s directory, ``damage(directory)`` returning the file a message must name."""

    dataset: str
    name: str
    damage: Callable[[str], str]


DEFECTS = (
    Defect("svhn", "train_32x32.mat truncated", lambda d: truncate(os.path.join(d, "train_32x32.mat"))),
    Defect("svhn", "test_32x32.mat not a MAT-file", lambda d: overwrite(os.path.join(d, "test_32x32.mat"),
                                                                         b"<html>404 Not Found</html>" * 40)),
    Defect("svhn", "test_32x32.mat label 11", _svhn_label_11),
    Defect("cifar10", "data_batch_3.bin truncated",
           lambda d: truncate(os.path.join(d, "cifar-10-batches-bin", "data_batch_3.bin"), 0.7)),
    Defect("cifar10", "test_batch.bin label byte 10", _cifar_label_byte),
    Defect("mnist", "train-images-idx3-ubyte.gz truncated",
           lambda d: truncate(os.path.join(d, "train-images-idx3-ubyte.gz"))),
    Defect("lsun", "kitchen_train_lmdb value truncated", _lsun_corrupt_value),
    Defect("lsun", "tower_train_lmdb/data.mdb truncated",
           lambda d: truncate(os.path.join(d, "tower_train_lmdb", "data.mdb"))),
    Defect("image_folder", "a PNG truncated", lambda d: truncate(_first_image(d, ".png"), 0.3)),
    Defect("image_folder", "a JPEG that is text", lambda d: overwrite(_first_image(d, ".JPEG"), b"not an image\n")),
)


def damaged_copy(defect: Defect, clean_dir: str, target_dir: str) -> str:
    """Copies ``clean_dir`` to ``target_dir`` and damages it; returns the path of the damaged file."""
    shutil.copytree(clean_dir, target_dir)
    return defect.damage(target_dir)


def expected_shapes() -> Dict[str, tuple]:
    """The image shape each directory loads to (LSUN and the folder at the default --image_size 64)."""
    return {"svhn": (32, 32, 3), "cifar10": (32, 32, 3), "mnist": (28, 28, 1), "lsun": (64, 64, 3),
            "image_folder": (64, 64, 3)}
