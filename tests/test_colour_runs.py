"""Methods whose networks already take 32x32x3 run end to end on files in the official formats (CIFAR-10 binary
batches, an LSUN LMDB, an image folder), writing results.json with the class names and a SavedModel."""

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from introgan_tf import experiment, testing
from introgan_tf.config import DataConfig

# The SavedModel check of test_colour_networks.py (a plain file import: tests/ is not a package).
_SPEC = importlib.util.spec_from_file_location("colour_networks", Path(__file__).with_name("test_colour_networks.py"))
colour = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(colour)


def finished(result_dir):
    results = json.loads((result_dir / "results.json").read_text())
    assert results["complete"] and len(results["sessions"]) == 2
    assert os.path.isdir(result_dir / "saved_model")
    return results


def no_export(method, session, path):
    """Stands in for the SavedModel export in runs whose SavedModel no test reads (it costs seconds per session;
    tests/test_colour_networks.py exports lower_bound at 32x32x3, tests/test_bounds.py on MNIST)."""
    del method, session
    return path


def test_acgan_on_cifar10_files(tmp_path):
    data = testing.synthetic_dataset("mnist", train_per_class=6, test_per_class=2, image_shape=(32, 32, 3))
    testing.write_cifar10_dir(str(tmp_path / "cifar"), data)
    config = testing.tiny_config(str(tmp_path / "run"), method="acgan", dataset="cifar10",
                                 data_dir=str(tmp_path / "cifar"))
    data = experiment.run(config)
    results = finished(tmp_path / "run")
    assert results["class_names"][:2] == ["airplane", "automobile"]
    # The same run is AC-GAN's two sessions on its 32x32x3 networks (test_colour_baselines.py has the others').
    testing.check_results(data, "acgan", iters=testing.TINY_TRAIN["iters"], test_interval=testing.TINY_TRAIN[
        "test_interval"])
    colour.check_saved_model_32x32x3(tmp_path / "run" / "saved_model", "acgan")


def test_mergan_on_lsun_and_a_classifier_on_an_image_folder(tmp_path):
    pytest.importorskip("lmdb")
    categories = ("bedroom", "kitchen")
    for label, category in enumerate(categories):
        values = [testing.encode_image(img, "WEBP" if i % 2 else "JPEG")
                  for i, img in enumerate(testing.scene_images(12, 48, 64, label))]
        testing.write_lsun_lmdb(str(tmp_path / "lsun" / f"{category}_train_lmdb"), values)
    config = testing.tiny_config(str(tmp_path / "lsun_run"), method="mergan", dataset="lsun",
                                 data_dir=str(tmp_path / "lsun")).replace(
        nb_cl=1, data=DataConfig(lsun_categories="bedroom,kitchen", image_size=32))
    experiment.run(config)
    assert finished(tmp_path / "lsun_run")["class_names"] == list(categories)

    for label, name in enumerate(("cat", "ant")):
        folder = tmp_path / "folder" / name
        folder.mkdir(parents=True)
        for i, image in enumerate(testing.scene_images(8, 40, 56, label)):
            Image.fromarray(image).save(folder / f"{i}.png")
    config = testing.tiny_config(str(tmp_path / "folder_run"), method="lower_bound", dataset="image_folder",
                                 data_dir=str(tmp_path / "folder"), num_sessions=1).replace(
        data=DataConfig(image_size=32))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(experiment, "export_saved_model", no_export)  # only results.json is looked at
        experiment.run(config)
    results = json.loads((tmp_path / "folder_run" / "results.json").read_text())
    assert results["class_names"] == ["ant", "cat"] and results["complete"]
    assert np.isfinite(results["sessions"][0]["accuracy"])


def test_resume_of_a_run_written_before_the_data_settings(tmp_path, synthetic_mnist, monkeypatch):
    """A results.json without the config's ``data`` group (older versions) resumes with today's defaults."""
    monkeypatch.setattr(experiment, "export_saved_model", no_export)  # only results.json is looked at
    config = testing.tiny_config(str(tmp_path / "run"), method="lower_bound", num_sessions=1)
    experiment.run(config, data=synthetic_mnist)
    path = tmp_path / "run" / "results.json"
    results = json.loads(path.read_text())
    del results["config"]["data"]
    path.write_text(json.dumps(results))
    experiment.run(config.replace(num_sessions=2, resume=True), data=synthetic_mnist)
    assert len(json.loads(path.read_text())["sessions"]) == 2
