"""--data_source=tfds for SVHN (tensorflow-datasets' svhn_cropped): offline, it can only be prepared from all three
official files in the manual directory; anything else is refused in one line, before TFDS could go online."""

import time

import pytest

from introgan_tf import testing
from introgan_tf.data import datasets
from introgan_tf.errors import InputError

pytest.importorskip("tensorflow_datasets")


def refused(directory, tfds_dir):
    started = time.time()
    with pytest.raises(InputError) as error:
        datasets.load_dataset("svhn", str(directory), data_source="tfds", tfds_data_dir=str(tfds_dir))
    assert time.time() - started < 30  # no network attempt (TFDS retries for minutes)
    message = str(error.value)
    assert "\n" not in message and "--data_source=idx" in message and "--tfds_download" in message
    return message


def test_tfds_svhn_refuses_what_would_need_the_network(tmp_path):
    data = testing.synthetic_dataset("mnist", train_per_class=2, test_per_class=1, image_shape=(32, 32, 3))
    svhn = tmp_path / "svhn"
    for name, x, y in (("train_32x32.mat", data.x_train, data.y_train), ("test_32x32.mat", data.x_test, data.y_test)):
        testing.write_svhn_mat(str(svhn / name), x, testing.svhn_values(y))
    assert "missing extra_32x32.mat" in refused(svhn, tmp_path / "tfds")
    testing.write_svhn_mat(str(svhn / "extra_32x32.mat"), data.x_test, testing.svhn_values(data.y_test))
    message = refused(svhn, tmp_path / "tfds")
    assert str(svhn / "train_32x32.mat") in message and "not the official file" in message
    # The same files read directly: fine.
    assert len(datasets.load_dataset("svhn", str(svhn)).x_train) == 20
