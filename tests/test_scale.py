"""--mixed_precision and the XLA path of every method (introgan_tf/runtime.py, docs/design.md#scale).

* bf16: every method trains a few steps under ``mixed_bfloat16``; the layers compute in bf16, the losses are
  finite, and classify / generate return float32.
* fp16: the optimisers carry Keras' dynamic loss scaling and a few steps stay finite.
* XLA: every method's ``train_step`` lowers to XLA HLO with ``jit_compile=True`` (no op without an XLA kernel,
  no Python side effect, static shapes); compiling it to CPU code takes minutes for the 32x32 baselines, so the
  run under XLA is checked for IntroGAN in tests/test_introgan_model.py and for all methods by
  benchmarks/gpu_check.sh.
"""

import numpy as np
import pytest
import tensorflow as tf

from introgan_tf import experiment, runtime
from introgan_tf.methods import METHODS, get_method, resolve_config
from introgan_tf.testing import tiny_config

# gan_memory* (landed in parallel) does not route its updates and noise through SessionModel.minimize / normal yet.
SCALED = sorted(name for name in METHODS if not name.startswith("gan_memory"))


def first_session_method(tmp_path, data, method, **train):
    config = resolve_config(tiny_config(tmp_path, method=method, critic_iters=2 if method in ("mergan", "dgr")
                                        else None, **train))
    scenario = experiment.make_scenario(config, data)
    instance = get_method(method)(config, data.info, scenario)
    instance.begin_session(scenario.sessions[0])
    return instance, scenario.sessions[0]


def train_a_few_steps(instance, session, steps=2):
    dataset = instance.model.for_replicas(instance.train_dataset(session, seed=1))
    history = instance.model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return {name: values[-1] for name, values in history.history.items()}


@pytest.mark.parametrize("method", SCALED)
def test_bf16_steps_are_finite_and_outputs_float32(synthetic_mnist, tmp_path, method):
    with runtime.run_scope("bf16", tf.distribute.get_strategy()):
        instance, session = first_session_method(tmp_path, synthetic_mnist, method, mixed_precision="bf16")
        policies = {layer.dtype_policy.name for layer in instance.model._flatten_layers()  # pylint: disable=protected-access
                    if layer is not instance.model and layer.weights}
        assert policies == {"mixed_bfloat16"}, policies
        logs = train_a_few_steps(instance, session)
        assert logs and all(np.isfinite(value) for value in logs.values()), logs
        logits = instance.classify(np.zeros((3, 28, 28, 1), np.float32))
        assert logits.dtype == np.float32 and np.isfinite(logits).all()
        if instance.generates and instance.conditional:
            images = instance.sample(np.zeros(3, np.int32))
            assert images.dtype == np.float32 and np.isfinite(images).all()
        assert all(v.dtype == "float32" for v in instance.model.generator.weights) if hasattr(
            instance.model, "generator") else True
    assert tf.keras.mixed_precision.global_policy().name == "float32"  # the scope restores the policy


def test_fp16_uses_loss_scaling(synthetic_mnist, tmp_path):
    import keras
    with runtime.run_scope("fp16", tf.distribute.get_strategy()):
        instance, session = first_session_method(tmp_path, synthetic_mnist, "introgan", mixed_precision="fp16")
        assert isinstance(instance.model.d_optimizer, keras.optimizers.LossScaleOptimizer)
        logs = train_a_few_steps(instance, session, steps=3)
        assert all(np.isfinite(value) for value in logs.values()), logs
        assert instance.model.d_optimizer.iterations.numpy() > 0  # the steps were applied, not all skipped


@pytest.mark.parametrize("method", SCALED)
def test_train_step_lowers_to_xla(synthetic_mnist, tmp_path, method):
    instance, session = first_session_method(tmp_path, synthetic_mnist, method)
    element = next(iter(instance.train_dataset(session, seed=1)))
    step = tf.function(instance.model.train_step, jit_compile=True)
    hlo = step.experimental_get_compiler_ir(element)(stage="hlo")
    assert "HloModule" in hlo
