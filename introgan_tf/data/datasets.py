"""Dataset registry keyed by the command-line names (``--dataset``), and :func:`load_dataset`.

Each entry is a :class:`~introgan_tf.data.dataset_info.DatasetInfo` (image shape, class count, default replay
size, the files it needs and how to get them).  Nothing here touches the network: the TFDS path
(``data_source="tfds"``) is offline unless the user asks TFDS to download.  Where the files are looked for is
in ``files.py``.
"""

import dataclasses
import os
from typing import Dict, Optional

import numpy as np

from introgan_tf.data import cifar, decoded_cache, idx, image_folder, lsun, svhn
from introgan_tf.data.checksums import check_official
from introgan_tf.data.dataset_info import DataOptions, DatasetInfo, DatasetSplits
from introgan_tf.data.rgb32 import render_rgb32
from introgan_tf.data.files import candidate_dirs, find_data_dir
from introgan_tf.errors import InputError

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

MNIST = DatasetInfo(
    name="mnist",
    image_shape=(28, 28, 1),
    num_classes=10,
    class_names=tuple(str(d) for d in range(10)),
    replay_per_class=6000,
    how_to_get=("download the four IDX .gz files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from yann.lecun.com/exdb/mnist "
                "into that directory, or run with --data_source=tfds --tfds_download"),
    required_files=tuple(IDX_FILES.values()),
    tfds_name="mnist",
)

FASHION_MNIST = DatasetInfo(
    name="fashion-mnist",
    image_shape=(28, 28, 1),
    num_classes=10,
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"),
    replay_per_class=6000,
    how_to_get=("run 'apt-get install dataset-fashion-mnist' (Debian/Ubuntu), or download the four IDX .gz files "
                "from github.com/zalandoresearch/fashion-mnist (data/fashion) into that directory, "
                "or run with --data_source=tfds --tfds_download"),
    required_files=tuple(IDX_FILES.values()),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    tfds_name="fashion_mnist",
)


def load_idx_dataset(info: DatasetInfo, data_dir: Optional[str]) -> DatasetSplits:
    """Reads and validates the four IDX files of ``info``."""
    directory = find_data_dir(info, data_dir)
    path = {key: os.path.join(directory, name) for key, name in IDX_FILES.items()}
    x_train = idx.read_idx_images(path["train_images"])
    y_train = idx.read_idx_labels(path["train_labels"], info.num_classes)
    x_test = idx.read_idx_images(path["test_images"])
    y_test = idx.read_idx_labels(path["test_labels"], info.num_classes)
    for split, images, labels, image_file in (("train", x_train, y_train, path["train_images"]),
                                              ("test", x_test, y_test, path["test_images"])):
        if images.shape[1:] != info.image_shape:
            raise InputError(f"{image_file}: images of shape {images.shape[1:]}, expected {info.image_shape}")
        if len(images) != len(labels):
            raise InputError(f"{image_file}: {len(images)} {split} images but {len(labels)} labels")
    return DatasetSplits(info, x_train, y_train, x_test, y_test, source=directory)


def rgb32_info(base: DatasetInfo) -> DatasetInfo:
    """``base`` rendered as 32x32x3 (data/rgb32.py), read from ``base``'s own folder."""
    return dataclasses.replace(base, name=f"{base.name}-rgb32", image_shape=(32, 32, 3), dir_name=base.files_dir,
                               tfds_name=None, loader="rgb32")


MNIST_RGB32 = rgb32_info(MNIST)
FASHION_MNIST_RGB32 = rgb32_info(FASHION_MNIST)


def load_rgb32_dataset(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    """The base IDX dataset, every image padded to 32x32 and replicated to 3 channels."""
    del options
    base = load_idx_dataset(dataclasses.replace(info, image_shape=(28, 28, 1)), data_dir)
    return dataclasses.replace(base, info=info, x_train=render_rgb32(base.x_train), x_test=render_rgb32(base.x_test),
                               source=f"{base.source} (rendered 32x32x3)")


def _load_idx(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    del options
    return load_idx_dataset(info, data_dir)


SVHN_FILES = {"train": "train_32x32.mat", "test": "test_32x32.mat", "extra": "extra_32x32.mat"}

SVHN = DatasetInfo(
    name="svhn",
    image_shape=(32, 32, 3),
    num_classes=10,
    class_names=svhn.class_names("digit"),
    replay_per_class=7325,  # IntroGAN's N_rep: floor(73,257 training images / 10 classes)
    how_to_get=("download train_32x32.mat and test_32x32.mat (and extra_32x32.mat for --svhn_extra) of the "
                "cropped digits (format 2) from the Street View House Numbers page of ufldl.stanford.edu "
                "into that directory"),
    required_files=(SVHN_FILES["train"], SVHN_FILES["test"]),
    tfds_name="svhn_cropped",
    loader="svhn",
)

CIFAR_BIN_FILES = tuple(f"{name}.bin" for name in cifar.TRAIN_FILES + (cifar.TEST_FILE,))
CIFAR_PY_FILES = cifar.TRAIN_FILES + (cifar.TEST_FILE,)

CIFAR10 = DatasetInfo(
    name="cifar10",
    image_shape=(32, 32, 3),
    num_classes=10,
    class_names=cifar.CLASS_NAMES,
    replay_per_class=5000,  # floor(50,000 training images / 10 classes), IntroGAN's rule for N_rep
    how_to_get=("download cifar-10-binary.tar.gz (the binary version) from Alex Krizhevsky's CIFAR page at "
                "cs.toronto.edu and unpack it there (tar xzf), giving cifar-10-batches-bin/"),
    required_files=tuple(f"cifar-10-batches-bin/{name}" for name in CIFAR_BIN_FILES),
    alternative_files=(CIFAR_BIN_FILES, tuple(f"cifar-10-batches-py/{name}" for name in CIFAR_PY_FILES),
                       CIFAR_PY_FILES),
    loader="cifar10",  # no TFDS path: its builder wants the archive, the files here are the unpacked batches
)


def _check_split(path: str, images: np.ndarray, labels: np.ndarray, info: DatasetInfo) -> None:
    """The shape, dtype, label range and count checks every loader ends with (one line naming ``path``)."""
    if images.dtype != np.uint8 or images.shape[1:] != tuple(info.image_shape):
        raise InputError(f"{path}: images {images.dtype} {list(images.shape[1:])}, expected uint8 "
                         f"{list(info.image_shape)}")
    if len(images) != len(labels):
        raise InputError(f"{path}: {len(images)} images but {len(labels)} labels")
    if not len(images):
        raise InputError(f"{path}: no images")
    if labels.min() < 0 or labels.max() >= info.num_classes:
        raise InputError(f"{path}: label {int(labels.max())} out of range 0..{info.num_classes - 1}")


def load_svhn_dataset(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    """SVHN's .mat files (data/svhn.py), labels by ``options.svhn_labels`` (None: ``digit``)."""
    convention = options.svhn_labels or "digit"
    if options.svhn_extra:
        info = dataclasses.replace(info, required_files=info.required_files + (SVHN_FILES["extra"],))
    directory = find_data_dir(info, data_dir)
    info = dataclasses.replace(info, class_names=svhn.class_names(convention))
    path = {split: os.path.join(directory, name) for split, name in SVHN_FILES.items()}
    provenance = []
    splits = {}
    for split in ("train", "test") + (("extra",) if options.svhn_extra else ()):
        verdict = check_official(path[split], options.verify_data)
        if verdict:
            provenance.append(verdict)
        splits[split] = svhn.read_mat(path[split], convention)
        _check_split(path[split], *splits[split], info)
    x_train, y_train = splits["train"]
    if options.svhn_extra:
        x_train = np.concatenate([x_train, splits["extra"][0]])
        y_train = np.concatenate([y_train, splits["extra"][1]])
    return DatasetSplits(info, x_train, y_train, *splits["test"], source=f"{directory} (labels: {convention})",
                         provenance=tuple(provenance))


def load_cifar10_dataset(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    """CIFAR-10's binary batches, or its python batches through the restricted unpickler (data/cifar.py)."""
    directory = find_data_dir(info, data_dir)
    provenance = []
    archive = os.path.join(directory, "cifar-10-binary.tar.gz")
    if os.path.isfile(archive):  # the archive it was unpacked from, if kept: is it the official one?
        provenance.append(check_official(archive, options.verify_data))
    x_train, y_train, x_test, y_test, folder = cifar.read_cifar10(directory)
    _check_split(folder, x_train, y_train, info)
    _check_split(folder, x_test, y_test, info)
    return DatasetSplits(info, x_train, y_train, x_test, y_test, source=folder, provenance=tuple(provenance))


LSUN = DatasetInfo(
    name="lsun",
    image_shape=(64, 64, 3),  # --image_size
    num_classes=len(lsun.MERGAN_CATEGORIES),  # --lsun_categories
    class_names=lsun.MERGAN_CATEGORIES,
    replay_per_class=100000,  # MeRGAN's LSUN folders held 100,000 images per category; see resolve_info
    how_to_get=("download <category>_train_lmdb.zip (and optionally <category>_val_lmdb.zip) for each "
                "--lsun_categories entry from the LSUN scene-classification page (lsun's GitHub download.py) and "
                "unzip them there, giving <category>_train_lmdb/data.mdb"),
    loader="lsun",
)

IMAGE_FOLDER = DatasetInfo(
    name="image_folder",
    image_shape=(64, 64, 3),  # --image_size
    num_classes=0,  # the number of class sub-folders; see resolve_info
    class_names=(),
    replay_per_class=0,
    how_to_get=("put one sub-folder of images per class there (<dir>/<class name>/*.jpg, ImageNet style; "
                "optionally <dir>/train/<class>/ and <dir>/test/<class>/)"),
    loader="image_folder",
)


def find_image_folder(info: DatasetInfo, data_dir: Optional[str]) -> str:
    """The first candidate directory holding class sub-folders (files.py's search order)."""
    tried = candidate_dirs(info, data_dir)
    for directory in tried:
        if os.path.isdir(directory) and image_folder.class_folders(image_folder.layout(directory)[0]):
            return directory
    where = f"--data_dir {data_dir}" if data_dir else f"any of {', '.join(tried)}"
    raise InputError(f"image_folder: no class sub-folders in {where}; {info.how_to_get}")


def resolve_info(name: str, options: Optional[DataOptions] = None, data_dir: Optional[str] = None) -> DatasetInfo:
    """``name``'s DatasetInfo for these settings: LSUN's and image folders' shape, classes and files depend on
    ``--image_size``, ``--lsun_categories``, ``--max_images_per_class`` and (image folders) the folders found."""
    info = get_dataset_info(name)
    options = options or DataOptions()
    if info.loader not in ("lsun", "image_folder"):
        return info
    size = options.image_size
    if size < 8:
        raise InputError(f"--image_size={size}: expected at least 8")
    if info.loader == "lsun":
        categories = lsun.parse_categories(options.lsun_categories)
        return dataclasses.replace(
            info, image_shape=(size, size, 3), num_classes=len(categories), class_names=categories,
            replay_per_class=options.max_images_per_class or info.replay_per_class,
            required_files=tuple(f"{c}_train_lmdb/data.mdb" for c in categories))
    names, train_dir, _ = image_folder.scan(find_image_folder(info, data_dir))
    paths, _, _ = image_folder.list_files(train_dir, names, options.max_images_per_class)
    # IntroGAN's rule for N_rep: the training images per class (here before the held-out test files).
    return dataclasses.replace(info, image_shape=(size, size, 3), num_classes=len(names), class_names=names,
                               replay_per_class=max(1, len(paths) // len(names)))


def load_lsun_dataset(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    """LSUN's LMDB databases (data/lsun.py), streamed, one category per class."""
    info = resolve_info(info.name, options, data_dir)
    directory = find_data_dir(info, data_dir)
    provenance = [check_official(os.path.join(directory, f"{c}_train_lmdb.zip"), options.verify_data)
                  for c in info.class_names if os.path.isfile(os.path.join(directory, f"{c}_train_lmdb.zip"))]
    databases = [p for c in info.class_names for split in ("train", "val")
                 for p in [os.path.join(lsun.database_dir(directory, c, split), "data.mdb")] if os.path.isfile(p)]
    signature = {"files": decoded_cache.file_signature(databases), "categories": list(info.class_names),
                 "size": options.image_size, "mode": options.lsun_resize, "max": options.max_images_per_class}

    def build():
        x_train, y_train, x_test, y_test, test_source = lsun.read_lsun(
            directory, info.class_names, options.image_size, options.lsun_resize, options.max_images_per_class)
        return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, test_source=np.array(test_source))

    arrays = decoded_cache.cached_arrays("lsun", signature, build, options.data_cache)
    x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    test_source = str(arrays["test_source"])
    _check_split(directory, x_train, y_train, info)
    _check_split(directory, x_test, y_test, info)
    return DatasetSplits(info, x_train, y_train, x_test, y_test, source=f"{directory} (test: {test_source})",
                         provenance=tuple(provenance))


def load_image_folder_dataset(info: DatasetInfo, data_dir: Optional[str], options: DataOptions) -> DatasetSplits:
    """A class-per-folder tree (data/image_folder.py), streamed."""
    directory = find_image_folder(info, data_dir)
    info = resolve_info(info.name, options, directory)
    every_file = sorted(os.path.join(folder, name) for folder, _, names in os.walk(directory, followlinks=True)
                        for name in names)
    signature = {"files": decoded_cache.file_signature(every_file), "size": options.image_size,
                 "mode": options.lsun_resize, "max": options.max_images_per_class}

    def build():
        names, x_train, y_train, x_test, y_test, skipped, test_source = image_folder.read_image_folder(
            directory, options.image_size, options.lsun_resize, options.max_images_per_class)
        del names  # the same as info.class_names: the folders are part of the signature
        return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
                    skipped=np.array(skipped), test_source=np.array(test_source))

    arrays = decoded_cache.cached_arrays("image_folder", signature, build, options.data_cache)
    x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    skipped, test_source = int(arrays["skipped"]), str(arrays["test_source"])
    if skipped:
        print(f"[introgan_tf] image_folder {directory}: skipped {skipped} files that are not images "
              f"({', '.join(image_folder.image_ops.IMAGE_EXTENSIONS)})", flush=True)
    _check_split(directory, x_train, y_train, info)
    _check_split(directory, x_test, y_test, info)
    return DatasetSplits(info, x_train, y_train, x_test, y_test,
                         source=f"{directory} (test: {test_source}; {skipped} non-image files skipped)")


# DatasetInfo.loader -> reader(info, data_dir, options).
LOADERS = {"idx": _load_idx, "rgb32": load_rgb32_dataset, "svhn": load_svhn_dataset,
           "cifar10": load_cifar10_dataset, "lsun": load_lsun_dataset, "image_folder": load_image_folder_dataset}

DATASETS: Dict[str, DatasetInfo] = {info.name: info for info in (MNIST, FASHION_MNIST, MNIST_RGB32,
                                                                  FASHION_MNIST_RGB32, SVHN, CIFAR10, LSUN,
                                                                  IMAGE_FOLDER)}


def evaluation_key(name: str, options: Optional[DataOptions] = None) -> str:
    """The folder name of ``name``'s domain classifier and FID statistics under ``precalc_fids/``.

    Settings that change the labels or the image shape get folders of their own: SVHN under IntroGAN's ``y - 1``
    labels (``svhn_introgan``), LSUN and image folders per image size (``lsun_64``)."""
    options = options or DataOptions()
    if name == "svhn" and options.svhn_labels == "introgan":
        return "svhn_introgan"
    if name in ("lsun", "image_folder"):
        return f"{name}_{options.image_size}"
    return name


def data_flags_text(name: str, options: Optional[DataOptions] = None, data_dir: Optional[str] = None) -> str:
    """The command-line flags that read ``name`` as ``options`` say (for the commands printed in messages)."""
    options = options or DataOptions()
    defaults = DataOptions()
    parts = [f"--data_dir {data_dir}"] if data_dir else []
    relevant = {"svhn": ("svhn_labels", "svhn_extra"),
                "lsun": ("image_size", "lsun_categories", "max_images_per_class", "lsun_resize"),
                "image_folder": ("image_size", "max_images_per_class", "lsun_resize")}.get(name, ())
    for field in relevant:
        value = getattr(options, field)
        if value != getattr(defaults, field) and value is not None:
            parts.append(f"--{field}" if value is True else f"--{field} {value}")
    return " ".join(parts)


def get_dataset_info(name: str) -> DatasetInfo:
    """Looks ``name`` up in :data:`DATASETS`.

    Raises:
      ValueError: listing the valid names.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


def check_files(name: str, data_dir: Optional[str], data_source: str = "idx",
                options: Optional[DataOptions] = None) -> None:
    """Fails with the one-line "where to put the files" error before anything heavy is imported."""
    if data_source == "idx":
        info = resolve_info(name, options, data_dir)
        if info.loader == "image_folder":
            find_image_folder(info, data_dir)
        else:
            find_data_dir(info, data_dir)


def load_dataset(name: str, data_dir: Optional[str] = None, data_source: str = "idx",
                 tfds_data_dir: Optional[str] = None, tfds_download: bool = False,
                 options: Optional[DataOptions] = None) -> DatasetSplits:
    """Loads a registered dataset from local files.

    Args:
      name: registry key, e.g. ``"mnist"``.
      data_dir: directory with the raw files; None searches the defaults (files.py).
      data_source: ``"idx"`` reads the IDX files directly; ``"tfds"`` builds the
        dataset through tensorflow-datasets, using the IDX files as its manual
        download directory.
      tfds_data_dir: where TFDS writes its prepared dataset.
      tfds_download: let TFDS download the files (needs internet).
      options: how to read the formats that have settings (SVHN's labels, LSUN's categories, image size, ...).
    """
    info = get_dataset_info(name)
    options = options or DataOptions()
    if data_source == "idx":  # "the files themselves", whatever their format
        return LOADERS[info.loader](info, data_dir, options)
    if data_source == "tfds":
        from introgan_tf.data import tfds_source  # pylint: disable=import-outside-toplevel  (slow import)
        data = tfds_source.load_with_tfds(info, data_dir, tfds_data_dir, tfds_download)
        if info.name == "svhn" and options.svhn_labels == "introgan":  # TFDS gives the digit: to IntroGAN's y - 1
            data = dataclasses.replace(data, info=dataclasses.replace(info, class_names=svhn.class_names("introgan")),
                                       y_train=(data.y_train - 1) % 10, y_test=(data.y_test - 1) % 10)
        return data
    raise ValueError(f"unknown data_source {data_source!r}; valid: idx, tfds")


def add_data_arguments(parser) -> None:
    """The data options as argparse arguments, for the module CLIs (precalc_fid, train_classifier)."""
    defaults = DataOptions()
    parser.add_argument("--data_dir", default=None, help="directory with the dataset's files (default: the search "
                        "order datasets/<folder>/, $INTROGAN_DATA_DIR/<folder>/)")
    parser.add_argument("--svhn_labels", default="digit", choices=["digit", "introgan"],
                        help="svhn: digit (10 -> 0) or introgan (y - 1); each has its own statistics folder")
    parser.add_argument("--svhn_extra", action="store_true", help="svhn: add extra_32x32.mat")
    parser.add_argument("--image_size", type=int, default=defaults.image_size, help="lsun, image_folder: side")
    parser.add_argument("--lsun_categories", default=defaults.lsun_categories, help="lsun: categories, in order")
    parser.add_argument("--max_images_per_class", type=int, default=0, help="lsun, image_folder: 0 = all")
    parser.add_argument("--lsun_resize", default="center_crop", choices=["center_crop", "stretch"])


def options_from_arguments(args) -> DataOptions:
    return DataOptions(svhn_extra=args.svhn_extra, svhn_labels=args.svhn_labels, image_size=args.image_size,
                       lsun_categories=args.lsun_categories, max_images_per_class=args.max_images_per_class,
                       lsun_resize=args.lsun_resize)
