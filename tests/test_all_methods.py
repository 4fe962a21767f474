"""Every registered method, through the shared loop: 2 sessions on real MNIST, interrupted mid-session 2 and
resumed; then a valid results.json, the per-session checkpoints and a SavedModel with the right signatures.

This runs whatever is in the METHODS registry, so a newly registered method is covered without editing this file.
"""

import dataclasses

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.checkpointing import SessionCheckpointer
from introgan_tf.config import BaselineConfig, TrainConfig
from introgan_tf.methods import METHODS, get_method
from tests.test_end_to_end import tiny_config

ITERS = 4


class Interrupted(Exception):
    """Stands in for a crash right after a mid-session checkpoint."""


def method_config(shared_data, result_dir, method):
    config = tiny_config(shared_data, result_dir, iters=ITERS).replace(method=method)
    train = dataclasses.replace(config.train, test_interval=2, save_interval=2, sample_interval=2)
    if method in ("mergan", "dgr"):  # their published wgan-gp mode, as the CLI resolves it
        train = dataclasses.replace(train, mode="wgan-gp", critic_iters=2)
    baseline = BaselineConfig(generator_iterations=2, solver_iterations=2, acgan_scale_g=1.0)
    return config.replace(train=TrainConfig(**vars(train)), baseline=baseline)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_two_sessions_interrupted_and_resumed(shared_data, tmp_path, monkeypatch, method):
    config = method_config(shared_data, tmp_path, method)
    original_save = SessionCheckpointer.save

    def save_then_crash(self, method_object, session_index, complete):
        path = original_save(self, method_object, session_index, complete)
        if session_index == 2 and not complete and method_object.iteration == 2:
            raise Interrupted(path)
        return path

    monkeypatch.setattr(SessionCheckpointer, "save", save_then_crash)
    with pytest.raises(Interrupted):
        experiment.run(config)
    monkeypatch.setattr(SessionCheckpointer, "save", original_save)
    data = experiment.run(config.replace(resume=True))

    assert data["method"] == method and data["complete"] is True
    assert [s["index"] for s in data["sessions"]] == [1, 2]
    for session in data["sessions"]:
        assert [e["iteration"] for e in session["evaluations"]] == [2, 4]
        assert all(0.0 <= e["accuracy"] <= 1.0 for e in session["evaluations"])
        assert len(session["evaluations"][-1]["prefix_accuracies"]) == session["index"]
    assert 0.0 <= data["ta_acc"] <= 1.0
    checkpoints = SessionCheckpointer(str(tmp_path / "checkpoints"))
    assert all(checkpoints.info(s).complete for s in (1, 2))

    import tensorflow as tf
    model = tf.saved_model.load(str(tmp_path / "saved_model"))
    assert "classify" in model.signatures
    images = np.zeros((3, 28, 28, 1), np.float32)
    out = model.signatures["classify"](images=tf.constant(images))
    assert out["logits"].shape == (3, 4)  # the 4 classes seen after session 2
    assert ("generate" in model.signatures) == get_method(method).generates


@pytest.mark.parametrize("method", sorted(METHODS))
def test_checkpoint_holds_every_weight(shared_data, tmp_path, method):
    """Non-trainable state (BatchNorm moving statistics) must survive a checkpoint, or --resume / --test change
    the model: Keras 3 layers kept in Python lists are invisible to tf.train.Checkpoint unless an optimiser
    happens to track them."""
    from introgan_tf.data.datasets import load_dataset
    config = method_config(shared_data, tmp_path, method)
    data = load_dataset("mnist", config.data_dir)
    scenario = experiment.make_scenario(config, data)
    method_class = get_method(method)
    trained = method_class(config, data.info, scenario)
    trained.begin_session(scenario.sessions[0])
    rng = np.random.default_rng(0)
    for obj in trained.checkpoint_objects().values():  # give every variable a distinctive value
        for variable in getattr(obj, "variables", []):
            if "float" in str(variable.dtype):
                variable.assign(rng.normal(size=tuple(variable.shape)).astype(np.float32))
    checkpoints = SessionCheckpointer(str(tmp_path / "checkpoints"))
    checkpoints.save(trained, 1, complete=True)
    restored = method_class(config, data.info, scenario)
    restored.build_session_model(scenario.sessions[0])
    checkpoints.restore(restored, checkpoints.info(1))
    before, after = trained.model.variables, restored.model.variables  # same architecture, same order
    assert [tuple(v.shape) for v in before] == [tuple(v.shape) for v in after]
    # Float variables: weights and statistics.  (Dropout layers' RNG states are not checkpointed by Keras.)
    lost = [old.path for old, new in zip(before, after)
            if "float" in str(old.dtype) and not np.array_equal(np.asarray(old), np.asarray(new))]
    assert not lost, f"not restored from the checkpoint: {lost}"
