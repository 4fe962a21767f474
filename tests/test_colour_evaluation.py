"""The domain classifier and FID statistics for a colour dataset (here SVHN files in the official format): built
by the two module commands into the dataset's own folder (SVHN's two label conventions apart), read back by the
evaluator; a missing classifier is an error that prints the commands, and --skip_fid needs none."""

import json

import numpy as np
import pytest

from introgan_tf import testing
from introgan_tf.config import EvalConfig
from introgan_tf.data import datasets
from introgan_tf.data.dataset_info import DataOptions
from introgan_tf.errors import InputError
from introgan_tf.evaluation import generation_metrics, train_classifier
from introgan_tf.evaluation.session_evaluator import SessionEvaluator
from introgan_tf import precalc_fid


@pytest.fixture(scope="module")
def svhn_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("svhn")
    data = testing.synthetic_dataset("mnist", train_per_class=6, test_per_class=2, image_shape=(32, 32, 3))
    testing.write_svhn_mat(str(root / "train_32x32.mat"), data.x_train, testing.svhn_values(data.y_train))
    testing.write_svhn_mat(str(root / "test_32x32.mat"), data.x_test, testing.svhn_values(data.y_test))
    return root


def test_missing_classifier_prints_the_commands(tmp_path):
    config = EvalConfig(skip_fid=False, precalc_fid_dir=str(tmp_path))
    with pytest.raises(InputError) as info:
        generation_metrics.check_ready("svhn", config, [0, 1])
    message = str(info.value)
    assert "python -m introgan_tf.evaluation.train_classifier --dataset svhn" in message
    assert "python -m introgan_tf.precalc_fid --dataset svhn" in message and "\n" not in message


def test_skip_fid_needs_no_classifier(tmp_path, capsys):
    class Scenario:
        generation_metrics_apply = True

    class Generating:
        generates = True

    evaluator = SessionEvaluator(Scenario(), "svhn_introgan", EvalConfig(skip_fid=True, precalc_fid_dir=str(tmp_path)),
                                 0, str(tmp_path), data_flags="--svhn_labels introgan", registry_name="svhn")
    assert not evaluator.generation_applies(Generating)
    evaluator.check_ready(Generating, [object()])
    out = capsys.readouterr().out
    assert "train_classifier --dataset svhn --svhn_labels introgan" in out


def test_build_and_use_svhn_artefacts(svhn_dir, tmp_path):
    out = str(tmp_path / "precalc")
    assert train_classifier.main(["--dataset", "svhn", "--data_dir", str(svhn_dir), "--out", out, "--epochs", "1",
                                  "--svhn_labels", "introgan"]) == 0
    assert precalc_fid.main(["--dataset", "svhn", "--data_dir", str(svhn_dir), "--precalc_dir", out,
                             "--svhn_labels", "introgan"]) == 0
    folder = tmp_path / "precalc" / "svhn_introgan" / "domain"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["image_shape"] == [32, 32, 3] and manifest["class_names"][9] == "0"
    assert "--svhn_labels introgan" in manifest["stats"]["command"]
    assert sorted(p.name for p in folder.glob("fid_stats_*.npz")) == sorted(f"fid_stats_{k}.npz" for k in range(1, 11))
    assert not (tmp_path / "precalc" / "svhn").exists()  # the digit convention would get a folder of its own
    config = EvalConfig(skip_fid=False, precalc_fid_dir=out)
    generation_metrics.check_ready(datasets.evaluation_key("svhn", DataOptions(svhn_labels="introgan")), config,
                                   list(range(10)))
    stats = np.load(folder / "fid_stats_1.npz")
    assert stats["mu"].shape == (128,)
