"""The command line on defective colour-dataset files: exit status 2 and one line naming the file, no traceback;
and the data flags reach the config (per-method SVHN label default)."""

import subprocess
import sys

import numpy as np
import pytest

from introgan_tf import testing


def run_main(repo_root, tmp_path, *args):
    command = [sys.executable, "main.py", "--result_dir", str(tmp_path / "run"), "--num_sessions", "1", "--iters", "2",
               "--skip_fid", *args]
    return subprocess.run(command, cwd=repo_root, capture_output=True, text=True, timeout=180)


def test_truncated_svhn_and_corrupt_lsun_end_in_one_line(repo_root, tmp_path):
    pytest.importorskip("lmdb")
    data = testing.synthetic_dataset("mnist", train_per_class=3, test_per_class=1, image_shape=(32, 32, 3))
    svhn = tmp_path / "svhn"
    testing.write_svhn_mat(str(svhn / "train_32x32.mat"), data.x_train, testing.svhn_values(data.y_train))
    testing.write_svhn_mat(str(svhn / "test_32x32.mat"), data.x_test, testing.svhn_values(data.y_test))
    train = svhn / "train_32x32.mat"
    train.write_bytes(train.read_bytes()[:-200])
    result = run_main(repo_root, tmp_path, "--dataset", "svhn", "--method", "acgan", "--data_dir", str(svhn))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert lines[-1].startswith("error: ") and str(train) in lines[-1]

    lsun = tmp_path / "lsun"
    good = testing.encode_image(testing.scene_images(1, 40, 50, 0)[0], "WEBP")
    testing.write_lsun_lmdb(str(lsun / "tower_train_lmdb"), [good] * 12 + [b"RIFF...."])
    result = run_main(repo_root, tmp_path, "--dataset", "lsun", "--method", "acgan", "--data_dir", str(lsun),
                      "--lsun_categories", "tower", "--nb_cl", "1", "--image_size", "32")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "tower_train_lmdb/data.mdb" in last and "key" in last


def test_data_flags_reach_the_config(cli_config):
    assert cli_config(dataset="svhn", method="introgan").data.svhn_labels == "introgan"
    assert cli_config(dataset="svhn", method="mergan").data.svhn_labels == "digit"
    assert cli_config(dataset="svhn", method="dgr").data.svhn_labels == "digit"
    config = cli_config(dataset="svhn", method="mergan", svhn_labels="introgan", svhn_extra=True)
    assert config.data.svhn_labels == "introgan" and config.data.svhn_extra
    assert cli_config(dataset="svhn", method="introgan").replay.replay_per_class == 7325
    assert np.isclose(cli_config(dataset="svhn", method="mergan").mergan.ra_factor, 1e-2)


@pytest.mark.parametrize("flag, value, message", [("image_size", 4, "--image_size=4"),
                                                  ("max_images_per_class", -1, "--max_images_per_class=-1")])
def test_bad_data_flags_name_the_flag(cli_config, flag, value, message):
    from introgan_tf.errors import InputError
    with pytest.raises(InputError, match=message):
        cli_config(dataset="mnist", **{flag: value})
