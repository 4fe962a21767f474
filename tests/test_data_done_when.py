"""The official-format directories and damaged copies that benchmarks/data_done_when.py runs main.py on
(introgan_tf/data/official_fixtures.py), checked in process: each directory loads with the dataset's shape and
classes, and each damaged copy is one InputError line naming the damaged file."""

import pytest

from introgan_tf.data import datasets, official_fixtures
from introgan_tf.data.dataset_info import DataOptions
from introgan_tf.errors import InputError

pytest.importorskip("lmdb")
OPTIONS = DataOptions(data_cache=False, image_size=16)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return official_fixtures.write_all(str(tmp_path_factory.mktemp("official")))


def test_every_directory_loads(clean):
    shapes = {"svhn": (32, 32, 3), "cifar10": (32, 32, 3), "mnist": (28, 28, 1), "lsun": (16, 16, 3),
              "image_folder": (16, 16, 3)}
    for name, directory in clean.items():
        data = datasets.load_dataset(name, directory, options=OPTIONS)
        assert data.x_train.shape[1:] == shapes[name] and len(data.x_test), name
        assert sorted(set(data.y_train.tolist())) == list(range(data.info.num_classes)), name
    assert datasets.load_dataset("lsun", clean["lsun"], options=OPTIONS).info.class_names == \
        official_fixtures.LSUN_CATEGORIES


@pytest.mark.parametrize("defect", official_fixtures.DEFECTS, ids=[d.name for d in official_fixtures.DEFECTS])
def test_every_damaged_copy_is_one_line_naming_the_file(clean, tmp_path, defect):
    damaged = official_fixtures.damaged_copy(defect, clean[defect.dataset], str(tmp_path / "copy"))
    with pytest.raises(InputError) as error:
        datasets.load_dataset(defect.dataset, str(tmp_path / "copy"), options=OPTIONS)
    assert damaged in str(error.value) and "\n" not in str(error.value)
