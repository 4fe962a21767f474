"""LSUN scene categories (Yu et al., 2015) from their LMDB databases (``lsun``), one category per class.

Each category is a directory ``<category>_train_lmdb/`` (``data.mdb``, ``lock.mdb``; the official download is
``<category>_train_lmdb.zip``, to be unzipped) whose values are encoded images (WebP according to the official
export tool, JPEG according to TFDS; both are decoded) keyed by image id.  Values are read with the ``lmdb``
package (read-only, no lock) in key order, decoded by TensorFlow in a parallel tf.data map, centre-cropped and
resized to S x S (data/images.py) and streamed into the final uint8 array.  ``max_images_per_class`` keeps the
first N keys of each category.

Test images: ``<category>_val_lmdb/`` (300 images per category in the official release) when present, else the
last 10% (at most 300) of the training keys read, held out.
"""

import os

import numpy as np

from introgan_tf.data import images as image_ops
from introgan_tf.errors import InputError

MERGAN_CATEGORIES = ("bedroom", "kitchen", "church_outdoor", "tower")
BATCH = 64
HELD_OUT_MAX = 300


def parse_categories(text: str):
    categories = tuple(c.strip() for c in str(text).split(",") if c.strip())
    if not categories:
        raise InputError("--lsun_categories: expected a comma-separated list, e.g. bedroom,kitchen")
    if len(set(categories)) != len(categories):
        raise InputError(f"--lsun_categories={text}: a category is listed twice")
    return categories


def database_dir(directory: str, category: str, split: str) -> str:
    return os.path.join(directory, f"{category}_{split}_lmdb")


def open_database(path: str):
    """The LMDB environment at ``path`` (read-only), or a one-line error naming it."""
    try:
        import lmdb  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise InputError("lsun: the lmdb package is needed to read LSUN (pip install lmdb)") from None
    data_file = os.path.join(path, "data.mdb")
    if not os.path.isfile(data_file):
        hint = f"; unzip {path}.zip there" if os.path.isfile(path + ".zip") else ""
        raise InputError(f"{data_file}: LSUN database not found{hint}")
    try:
        env = lmdb.open(path, readonly=True, lock=False, readahead=False, meminit=False, max_readers=1)
        pages = env.info()["last_pgno"] + 1
        page_size = env.stat()["psize"]
    except lmdb.Error as error:
        raise InputError(f"{data_file}: not a readable LMDB database ({type(error).__name__}: "
                         f"{str(error).splitlines()[0]})") from None
    # LMDB maps the file into memory: reading a page past the end of a truncated file kills the process (SIGBUS)
    # instead of raising.  The meta page says how many pages the file must hold; check before any read.
    size = os.path.getsize(data_file)
    if size < pages * page_size:
        env.close()
        raise InputError(f"{data_file}: truncated LMDB database ({size:,} bytes, its header promises "
                         f"{pages * page_size:,}); unzip or copy it again")
    return env


def read_keys(path: str, limit: int = 0):
    """The first ``limit`` (0: all) keys of the database at ``path``, in key order."""
    import lmdb  # pylint: disable=import-outside-toplevel

    env = open_database(path)
    try:
        with env.begin(write=False) as txn:
            keys = []
            for key in txn.cursor().iternext(keys=True, values=False):
                keys.append(bytes(key))
                if limit and len(keys) >= limit:
                    break
    except lmdb.Error as error:
        raise InputError(f"{os.path.join(path, 'data.mdb')}: corrupt LMDB database ({type(error).__name__})") from None
    finally:
        env.close()
    if not keys:
        raise InputError(f"{os.path.join(path, 'data.mdb')}: the database holds no images")
    return keys


def decode_values(path: str, keys, size: int, mode: str = "center_crop") -> np.ndarray:
    """Streams the values of ``keys`` through TensorFlow decoding + crop + resize; uint8 [len(keys), S, S, 3].

    Raises:
      InputError: naming the database and the key of the first value that is not a decodable image.
    """
    import lmdb  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    def values():
        env = open_database(path)
        try:
            with env.begin(write=False, buffers=False) as txn:
                for key in keys:
                    value = txn.get(key)
                    yield b"" if value is None else value
        finally:
            env.close()

    dataset = (tf.data.Dataset.from_generator(values, output_signature=tf.TensorSpec([], tf.string))
               .map(lambda v: image_ops.decode_bytes_tf(v, size, mode), num_parallel_calls=tf.data.AUTOTUNE,
                    deterministic=True)
               .batch(BATCH).prefetch(2))
    data_file = os.path.join(path, "data.mdb")

    def batches():
        iterator = iter(dataset)
        for start in range(0, len(keys), BATCH):
            try:
                yield next(iterator).numpy()
            except (tf.errors.InvalidArgumentError, tf.errors.UnknownError):
                # Name the culprit: decode this batch's values one by one.
                batch_keys = keys[start:start + BATCH]
                env = open_database(path)
                try:
                    with env.begin(write=False) as txn:
                        encoded = [txn.get(key) or b"" for key in batch_keys]
                except lmdb.Error as error:
                    raise InputError(f"{data_file}: corrupt LMDB database ({type(error).__name__})") from None
                finally:
                    env.close()
                bad = image_ops.first_undecodable(
                    encoded, lambda v: tf.io.decode_image(v, channels=3, expand_animations=False))
                key = batch_keys[bad if bad is not None else 0].decode(errors="replace")
                raise InputError(f"{data_file}: the value of key {key} is not a decodable JPEG / PNG / WebP image "
                                 f"(truncated or corrupt)") from None
            except lmdb.Error as error:
                raise InputError(f"{data_file}: corrupt LMDB database ({type(error).__name__})") from None

    return image_ops.fill_array(batches(), len(keys), size)


def read_lsun(directory: str, categories, size: int, mode: str = "center_crop", max_per_class: int = 0):
    """(x_train, y_train, x_test, y_test, test source) of ``categories`` under ``directory``, label = position."""
    if mode not in image_ops.MODES:
        raise InputError(f"--lsun_resize={mode}: expected one of {', '.join(image_ops.MODES)}")
    parts = {"train": [], "test": []}
    held_out = []
    for label, category in enumerate(categories):
        train_db = database_dir(directory, category, "train")
        val_db = database_dir(directory, category, "val")
        keys = read_keys(train_db, max_per_class)
        if os.path.isfile(os.path.join(val_db, "data.mdb")):
            test_keys, test_db = read_keys(val_db), val_db
        else:
            held = min(HELD_OUT_MAX, len(keys) // 10)
            if not held:
                raise InputError(f"{train_db}: {len(keys)} images: too few to hold out test images (give "
                                 f"{category}_val_lmdb or at least 10 images)")
            keys, test_keys, test_db = keys[:-held], keys[-held:], train_db
            held_out.append(category)
        image_ops.progress(f"lsun {category}: decoding {len(keys)} train + {len(test_keys)} test images to "
                           f"{size}x{size}")
        parts["train"].append((decode_values(train_db, keys, size, mode), np.full(len(keys), label, np.int64)))
        parts["test"].append((decode_values(test_db, test_keys, size, mode), np.full(len(test_keys), label, np.int64)))
    joined = {split: (np.concatenate([x for x, _ in p]), np.concatenate([y for _, y in p]))
              for split, p in parts.items()}
    source = "val databases" if not held_out else f"held-out train keys for {', '.join(held_out)}"
    return (*joined["train"], *joined["test"], source)
