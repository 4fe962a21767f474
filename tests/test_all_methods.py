"""Every registered method, through the shared loop, on synthetic data (no real files needed): 2 sessions,
interrupted after a mid-session checkpoint of session 2 and resumed; then a valid results.json, the per-session
checkpoints and a SavedModel with the right signatures.  Also: every variable survives a checkpoint.

Kept cheap (the suite runs on 2 CPU cores): no sample grids within a session (each session still ends with one),
and no SavedModel export after session 1, which session 2's export replaces before anything reads it; every
method's own test file runs whole two-session runs, which export after session 1 too.

This runs whatever is in the METHODS registry, so a newly registered method is covered without editing this file.
"""

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.checkpointing import SessionCheckpointer
from introgan_tf.config import GANMemoryConfig
from introgan_tf.methods import METHODS, get_method, resolve_config
from introgan_tf.testing import (StoppedAfterCheckpoint, check_results, stop_after_checkpoint, tiny_config,
                                 without_export)

ITERS = 4


def method_config(result_dir, method):
    # Fewer critic steps than the default 5: two for DGR (a graph loop, traced once however many), one for MeRGAN,
    # whose Python loop traces every step three times here (two sessions and the resume) -- its two-step
    # train_step is run by tests/test_mergan.py and tests/test_scale.py.  DGR splits the 4 iterations 3:1 into
    # its two phases.  GAN Memory at its CPU-test width, on a seeded random source.  Sample grids only at the ends
    # of sessions (sample_interval = ITERS: the monitor skips the last iteration, which finish_session draws).
    config = tiny_config(result_dir, method=method, iters=ITERS, test_interval=2, save_interval=2,
                         sample_interval=ITERS,
                         critic_iters={"mergan": 1, "dgr": 2}.get(method))
    return config.replace(gan_memory=GANMemoryConfig(
        width=16, source_checkpoint="random:0" if method == "gan_memory" else None))


@pytest.mark.parametrize("method", sorted(METHODS))
def test_two_sessions_interrupted_and_resumed(synthetic_mnist, tmp_path, method):
    config = method_config(tmp_path, method)
    # Session 1's SavedModel would be replaced by session 2's (checked below) before anything reads it.
    with without_export(keep=(2,)):
        # A crash right after session 2's checkpoint at iteration 2.
        with pytest.raises(StoppedAfterCheckpoint), stop_after_checkpoint(2, 2):
            experiment.run(config, data=synthetic_mnist)
        data = experiment.run(config.replace(resume=True), data=synthetic_mnist)

    resolved = resolve_config(config)
    instance = get_method(method)(resolved, synthetic_mnist.info, experiment.make_scenario(resolved, synthetic_mnist))
    check_results(data, method, iters=ITERS, test_interval=2, evaluated=instance.evaluates_at)
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
def test_checkpoint_holds_every_weight(synthetic_mnist, tmp_path, method):
    """Every float variable of every checkpointed object (BatchNorm statistics, frozen previous networks) must
    survive a checkpoint, or --resume / --test change the model: Keras 3 layers kept in Python lists are
    invisible to tf.train.Checkpoint unless an optimiser happens to track them.  Checked in session 2, where
    the replay methods also hold their frozen copies of session 1."""
    config = resolve_config(method_config(tmp_path, method))
    scenario = experiment.make_scenario(config, synthetic_mnist)
    first, second = scenario.sessions[:2]
    method_class = get_method(method)

    def method_in_session_2():
        instance = method_class(config, synthetic_mnist.info, scenario)
        instance.begin_session(first)
        instance.end_session(first)
        instance.begin_session(second)
        return instance

    def float_variables(instance):
        return [v for obj in instance.checkpoint_objects().values() for v in getattr(obj, "variables", [])
                if "float" in str(v.dtype)]

    trained = method_in_session_2()
    rng = np.random.default_rng(0)
    for variable in float_variables(trained):  # give every variable a distinctive value
        variable.assign(rng.normal(size=tuple(variable.shape)).astype(np.float32))
    checkpoints = SessionCheckpointer(str(tmp_path / "checkpoints"))
    checkpoints.save(trained, 2, complete=False)
    restored = method_in_session_2()
    checkpoints.restore(restored, checkpoints.info(2))
    before, after = float_variables(trained), float_variables(restored)  # same objects, same order
    assert [tuple(v.shape) for v in before] == [tuple(v.shape) for v in after]
    lost = [old.path for old, new in zip(before, after) if not np.array_equal(np.asarray(old), np.asarray(new))]
    assert not lost, f"not restored from the checkpoint: {lost}"
