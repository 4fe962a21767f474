"""ImageNet-style image folders (``image_folder``): one sub-folder per class, any image format PIL reads.

Layout: ``<root>/<class name>/<image files>``, or ``<root>/train/<class name>/...`` with ``<root>/test/`` (or
``val/``) beside it.  A class's index is the position of its folder name in **sorted** order (torchvision's
``ImageFolder`` rule, which GAN Memory's task folders and AC-GAN's ImageNet mode rely on).  Without a test folder
the last 10% of each class's files (sorted by name; at least one when a class has two or more) are held out as
its test images.  Files are read in sorted name order; ``max_images_per_class`` keeps the first N training files.

Each file is decoded by PIL (grey, palette, CMYK and alpha images become RGB; JPEGs are decoded at a reduced
scale when much larger than needed) inside a parallel tf.data map, then centre-cropped and resized to S x S
(data/images.py) and streamed into the final uint8 array: only S x S x 3 pixels per image are kept.
"""

import os
from typing import List, Optional, Tuple

import numpy as np

from introgan_tf.data import images as image_ops
from introgan_tf.errors import InputError

TEST_FOLDERS = ("test", "val")
BATCH = 64


def _is_image(name: str) -> bool:
    return name.lower().endswith(image_ops.IMAGE_EXTENSIONS)


def class_folders(directory: str) -> List[str]:
    """The sorted class sub-folders of ``directory``."""
    return sorted(entry for entry in os.listdir(directory)
                  if os.path.isdir(os.path.join(directory, entry)) and not entry.startswith("."))


def layout(root: str) -> Tuple[str, Optional[str]]:
    """(train folder, test folder or None) of ``root``."""
    train = os.path.join(root, "train")
    if os.path.isdir(train) and class_folders(train):
        for name in TEST_FOLDERS:
            if os.path.isdir(os.path.join(root, name)):
                return train, os.path.join(root, name)
        return train, None
    return root, None


def scan(root: str) -> Tuple[Tuple[str, ...], str, Optional[str]]:
    """(class names, train folder, test folder) of an image-folder tree.

    Raises:
      InputError: no class sub-folder, or a test folder whose classes differ.
    """
    if not os.path.isdir(root):
        raise InputError(f"{root}: directory does not exist")
    train, test = layout(root)
    names = class_folders(train)
    if not names:
        raise InputError(f"{root}: no class sub-folders (expected <root>/<class name>/<images>, ImageNet style)")
    if test is not None and class_folders(test) != names:
        raise InputError(f"{test}: its class folders {class_folders(test)} differ from {train}'s {names}")
    return tuple(names), train, test


def list_files(folder: str, names, max_per_class: int = 0):
    """(paths, labels, skipped) for the image files of each class folder, sorted by name."""
    paths, labels, skipped = [], [], 0
    for label, name in enumerate(names):
        directory = os.path.join(folder, name)
        entries = sorted(entry for entry in os.listdir(directory) if os.path.isfile(os.path.join(directory, entry)))
        kept = [entry for entry in entries if _is_image(entry)]
        skipped += len(entries) - len(kept)
        if max_per_class:
            kept = kept[:max_per_class]
        paths += [os.path.join(directory, entry) for entry in kept]
        labels += [label] * len(kept)
    return paths, np.asarray(labels, np.int64), skipped


def split_held_out(paths, labels, num_classes: int):
    """The last 10% of each class's files (at least one of two or more) as the test split."""
    train, test = [], []
    for label in range(num_classes):
        indices = np.flatnonzero(labels == label)
        held = len(indices) // 10 or (1 if len(indices) >= 2 else 0)
        train += list(indices[:len(indices) - held])
        test += list(indices[len(indices) - held:])
    pick = lambda idx: ([paths[i] for i in idx], labels[np.asarray(idx, np.int64)])  # noqa: E731
    return pick(train), pick(test)


def decode_files(paths, size: int, mode: str = "center_crop") -> np.ndarray:
    """Streams ``paths`` through PIL decoding + crop + resize in tf.data; uint8 [len(paths), size, size, 3].

    Raises:
      InputError: naming the first file that is not a readable image.
    """
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    def load(path):
        path = path.decode() if isinstance(path, bytes) else str(path)
        try:
            from PIL import Image  # pylint: disable=import-outside-toplevel
            with Image.open(path) as image:
                if image.format == "JPEG":  # decode at a reduced DCT scale when much larger than needed
                    image.draft("RGB", (2 * size, 2 * size))
                image.load()
                return np.asarray(image.convert("RGB"), np.uint8), np.bool_(True)
        except Exception:  # pylint: disable=broad-except  (reported, naming the file, by the consumer)
            return np.zeros((1, 1, 3), np.uint8), np.bool_(False)

    def decode(path):
        image, ok = tf.numpy_function(load, [path], (tf.uint8, tf.bool))
        image.set_shape([None, None, 3])
        return image_ops.crop_and_resize(image, size, mode), ok

    dataset = (tf.data.Dataset.from_tensor_slices(tf.constant(list(paths), tf.string))
               .map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
               .batch(BATCH).prefetch(2))

    def batches():
        for start, (batch, ok) in zip(range(0, len(paths), BATCH), dataset.as_numpy_iterator()):
            if not ok.all():
                bad = paths[start + int(np.flatnonzero(~ok)[0])]
                raise InputError(f"{bad}: not a readable image (truncated or corrupt)")
            yield batch

    return image_ops.fill_array(batches(), len(paths), size)


def read_image_folder(root: str, size: int, mode: str = "center_crop", max_per_class: int = 0):
    """(class names, x_train, y_train, x_test, y_test, skipped files, test source) of the tree at ``root``."""
    if mode not in image_ops.MODES:
        raise InputError(f"--lsun_resize={mode}: expected one of {', '.join(image_ops.MODES)}")
    names, train_dir, test_dir = scan(root)
    paths, labels, skipped = list_files(train_dir, names, max_per_class)
    empty = [name for index, name in enumerate(names) if not (labels == index).any()]
    if empty:
        raise InputError(f"{os.path.join(train_dir, empty[0])}: no image files (expected "
                         f"{', '.join(image_ops.IMAGE_EXTENSIONS)})")
    if test_dir is None:
        (train_paths, y_train), (test_paths, y_test) = split_held_out(paths, labels, len(names))
        test_source = "the last 10% of each class's files"
    else:
        train_paths, y_train = paths, labels
        test_paths, y_test, skipped_test = list_files(test_dir, names)
        skipped += skipped_test
        test_source = test_dir
    if not len(test_paths):
        raise InputError(f"{root}: no test images (give each class two images or more, or a test/ folder)")
    x_train = decode_files(train_paths, size, mode)
    x_test = decode_files(test_paths, size, mode)
    return names, x_train, y_train, x_test, y_test, skipped, test_source
