"""LSUN (LMDB of real JPEG and WebP encodings) and image folders (PNG / JPEG / grey / palette / foolbox's ImageNet
JPEGs): decoding, centre crop and resize, key and folder order, --max_images_per_class, stretch mode, class
names, skipped files, and the one-line errors naming a corrupt value or file."""

import os

import numpy as np
import pytest
from PIL import Image

from introgan_tf import testing
from introgan_tf.data import datasets
from introgan_tf.data.dataset_info import DataOptions
from introgan_tf.errors import InputError

pytest.importorskip("lmdb")


def lsun_tree(root, categories=("bedroom", "tower"), count=12, val=True):
    for label, category in enumerate(categories):
        jpeg = [testing.encode_image(img, "JPEG") for img in testing.scene_images(count // 2, 256, 341, label)]
        webp = [testing.encode_image(img, "WEBP") for img in testing.scene_images(count - count // 2, 400, 256, label)]
        testing.write_lsun_lmdb(str(root / f"{category}_train_lmdb"), jpeg + webp)
        if val:
            testing.write_lsun_lmdb(str(root / f"{category}_val_lmdb"), jpeg[:2])
    return root


def test_lsun_decodes_jpeg_and_webp_crops_and_resizes(tmp_path):
    lsun_tree(tmp_path)
    options = DataOptions(lsun_categories="bedroom,tower", image_size=32)
    data = datasets.load_dataset("lsun", data_dir=str(tmp_path), options=options)
    assert data.x_train.shape == (24, 32, 32, 3) and data.x_test.shape == (4, 32, 32, 3)
    assert data.info.class_names == ("bedroom", "tower") and data.info.image_shape == (32, 32, 3)
    assert data.y_train.tolist() == [0] * 12 + [1] * 12
    # Key order is the write order here (sha1 keys sorted differ): compare with a direct crop + resize.
    source = testing.scene_images(6, 256, 341, 0)
    import lmdb
    env = lmdb.open(str(tmp_path / "bedroom_train_lmdb"), readonly=True, lock=False)
    with env.begin() as txn:
        keys = [k for k, _ in txn.cursor()]
    env.close()
    assert keys == sorted(keys)
    mean_colour = data.x_train[data.y_train == 0].reshape(-1, 3).mean(0)
    expected = source[:, :, 42:298].reshape(-1, 3).mean(0)  # centred 256 x 256 of 256 x 341
    assert np.abs(mean_colour - expected).max() < 25
    assert np.abs(data.x_train[data.y_train == 0].mean((0, 1, 2)) - data.x_train[data.y_train == 1].mean((0, 1, 2))
                  ).max() > 20


def test_lsun_max_images_and_held_out_test(tmp_path):
    lsun_tree(tmp_path, val=False, count=20)
    options = DataOptions(lsun_categories="tower", image_size=16, max_images_per_class=10, lsun_resize="stretch")
    data = datasets.load_dataset("lsun", data_dir=str(tmp_path), options=options)
    assert len(data.x_train) == 9 and len(data.x_test) == 1 and "held-out" in data.source


def test_lsun_missing_corrupt_and_zipped(tmp_path):
    lsun_tree(tmp_path)
    with pytest.raises(InputError, match="kitchen_train_lmdb/data.mdb"):
        datasets.check_files("lsun", str(tmp_path), options=DataOptions(lsun_categories="bedroom,kitchen"))
    (tmp_path / "church_outdoor_train_lmdb.zip").write_bytes(b"PK")
    with pytest.raises(InputError) as info:
        datasets.load_dataset("lsun", data_dir=str(tmp_path), options=DataOptions(lsun_categories="church_outdoor"))
    assert "church_outdoor_train_lmdb" in str(info.value)
    bad = tmp_path / "bad"
    bad.mkdir()
    good = testing.encode_image(testing.scene_images(1, 64, 80, 0)[0], "JPEG")
    testing.write_lsun_lmdb(str(bad / "kitchen_train_lmdb"), [good] * 5 + [good[:len(good) // 3]] + [good] * 6)
    with pytest.raises(InputError) as info:
        datasets.load_dataset("lsun", data_dir=str(bad), options=DataOptions(lsun_categories="kitchen",
                                                                             image_size=16))
    message = str(info.value)
    assert "kitchen_train_lmdb/data.mdb" in message and "key" in message and "\n" not in message
    data_file = bad / "kitchen_train_lmdb" / "data.mdb"
    data_file.write_bytes(data_file.read_bytes()[:len(data_file.read_bytes()) // 2])  # LMDB would die of SIGBUS
    with pytest.raises(InputError, match="truncated LMDB database"):
        datasets.load_dataset("lsun", data_dir=str(bad), options=DataOptions(lsun_categories="kitchen"))
    (bad / "kitchen_train_lmdb" / "data.mdb").write_bytes(b"garbage" * 1000)
    with pytest.raises(InputError, match="kitchen_train_lmdb/data.mdb"):
        datasets.load_dataset("lsun", data_dir=str(bad), options=DataOptions(lsun_categories="kitchen"))


def folder_tree(root):
    rng = np.random.default_rng(0)
    for name, colour in (("zebra", 30), ("apple", 220)):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(5):
            image = np.full((48, 80, 3), colour, np.uint8)
            image[:, :16] = 255 - colour  # a side band the centre crop removes
            Image.fromarray(image).save(folder / f"{i}.png" if i % 2 else folder / f"{i}.JPG")
        Image.fromarray(rng.integers(0, 255, (40, 40), dtype=np.uint8)).convert("P").save(folder / "p.gif")
        Image.new("CMYK", (30, 50), (0, 0, 0, 0)).save(folder / "q.jpg")  # CMYK white
        Image.new("RGBA", (50, 30), (colour, colour, colour, 128)).save(folder / "r.png")
        Image.new("L", (33, 33), colour).save(folder / "s.tiff")
        (folder / "notes.txt").write_text("not an image")
    return root


def test_image_folder(tmp_path):
    folder_tree(tmp_path)
    data = datasets.load_dataset("image_folder", data_dir=str(tmp_path), options=DataOptions(image_size=24))
    assert data.info.class_names == ("apple", "zebra") and data.info.num_classes == 2  # sorted folder names
    assert data.x_train.shape[1:] == (24, 24, 3) and len(data.x_train) + len(data.x_test) == 18
    apple = data.x_train[(data.y_train == 0)][:4]  # the PNG / JPEG files, sorted first (0.JPG, 1.png, ...)
    assert np.abs(apple.astype(int) - 220).max() < 12  # the 255 - colour side band was cropped away
    assert "2 non-image files skipped" in data.source
    apple_all = data.x_train[data.y_train == 0]  # 0.JPG 1.png 2.JPG 3.png 4.JPG p.gif q.jpg r.png (s.tiff: test)
    assert apple_all[6].min() >= 250  # CMYK white became RGB white
    assert np.abs(apple_all[7].astype(int) - 220).max() <= 1  # RGBA: the colour, alpha dropped
    assert np.abs(data.x_test[data.y_test == 0][0].astype(int) - 220).max() <= 1  # grey TIFF -> RGB
    stretched = datasets.load_dataset("image_folder", data_dir=str(tmp_path),
                                      options=DataOptions(image_size=24, lsun_resize="stretch"))
    assert stretched.x_train[0, :, 0].mean() < 100  # the band survives a stretch


def test_image_folder_corrupt_and_empty(tmp_path):
    folder_tree(tmp_path)
    (tmp_path / "zebra" / "3.png").write_bytes((tmp_path / "zebra" / "3.png").read_bytes()[:60])
    with pytest.raises(InputError) as info:
        datasets.load_dataset("image_folder", data_dir=str(tmp_path), options=DataOptions(image_size=16))
    assert str(tmp_path / "zebra" / "3.png") in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(InputError, match="no class sub-folders"):
        datasets.check_files("image_folder", str(tmp_path / "zebra"))


def test_foolbox_imagenet_jpegs(tmp_path):
    import importlib.util
    spec = importlib.util.find_spec("foolbox")
    if spec is None:
        pytest.skip("foolbox==3.3.4 (the test extra) is not installed")
    source = os.path.join(os.path.dirname(spec.origin), "data")
    names = sorted(f for f in os.listdir(source) if f.startswith("imagenet_"))
    assert len(names) == 20
    for name in names:  # one folder per ImageNet label, named by the label index
        label = int(name.rsplit("_", 1)[1].split(".")[0])
        (tmp_path / "train" / f"{label:04d}").mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.join(source, name), tmp_path / "train" / f"{label:04d}" / name)
    (tmp_path / "test").mkdir()
    for folder in (tmp_path / "train").iterdir():
        os.symlink(folder, tmp_path / "test" / folder.name)
    data = datasets.load_dataset("image_folder", data_dir=str(tmp_path), options=DataOptions(image_size=64))
    labels = sorted({int(n.rsplit("_", 1)[1].split(".")[0]) for n in names})
    assert [int(c) for c in data.info.class_names] == labels
    assert len(data.x_train) == 20 and data.x_train.dtype == np.uint8
    wide = Image.open(os.path.join(source, "imagenet_10_541.jpg"))
    assert wide.size == (1024, 683)
    index = [int(c) for c in data.info.class_names].index(541)
    crop = np.asarray(wide.convert("RGB").crop((170, 0, 853, 683)).resize((64, 64), Image.BOX), np.float64)
    ours = data.x_train[data.y_train == index][0].astype(np.float64)
    assert np.abs(ours - crop).mean() < 6  # our centre crop + area resize (JPEG draft scale) vs PIL's


def test_decoded_images_are_cached_and_invalidated(tmp_path, capsys):
    folder_tree(tmp_path)
    options = DataOptions(image_size=16)
    first = datasets.load_dataset("image_folder", data_dir=str(tmp_path), options=options)
    assert "cached in" in capsys.readouterr().out
    again = datasets.load_dataset("image_folder", data_dir=str(tmp_path), options=options)
    assert "from the cache" in capsys.readouterr().out
    assert np.array_equal(first.x_train, again.x_train) and np.array_equal(first.y_test, again.y_test)
    assert again.source == first.source
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "apple" / "0.JPG", format="JPEG")
    changed = datasets.load_dataset("image_folder", data_dir=str(tmp_path), options=options)
    assert "from the cache" not in capsys.readouterr().out and changed.x_train[0].max() < 10
    datasets.load_dataset("image_folder", data_dir=str(tmp_path), options=DataOptions(image_size=16, data_cache=False))
    assert "decoded images" not in capsys.readouterr().out
