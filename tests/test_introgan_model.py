"""IntroGANModel.train_step: finite losses in both modes, G step skipped at iteration 0."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from introgan_tf.config import IntroGANConfig, TrainConfig
from introgan_tf.methods.introgan.model import IntroGANModel
from introgan_tf.methods.introgan.networks import ConditionalGenerator, EmbeddingDiscriminator


def tiny_model(mode="dcgan", critic_iters=1, batch_size=4, classification_only=False, **introgan):
    keras.utils.set_random_seed(0)
    num_classes, proto_num = 3, 2
    protos = np.random.default_rng(0).integers(0, 255, (num_classes * proto_num, 28, 28, 1), dtype=np.uint8)
    train = TrainConfig(mode=mode, critic_iters=critic_iters, batch_size=batch_size,
                        classification_only=classification_only)
    model = IntroGANModel(ConditionalGenerator(num_classes), EmbeddingDiscriminator(), protos, num_classes,
                          IntroGANConfig(proto_num=proto_num, **introgan), train, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-4, 0.5), g_optimizer=keras.optimizers.Adam(2e-4, 0.5))
    return model


def batch(n, num_classes=3):
    rng = np.random.default_rng(1)
    return (tf.constant(rng.uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)),
            tf.constant(rng.integers(0, num_classes, n).astype(np.int32)))


@pytest.mark.parametrize("mode", ["dcgan", "wgan-gp"])
def test_train_step_finite(mode):
    model = tiny_model(mode)
    for _ in range(2):
        logs = model.train_step(batch(4))
    values = {k: float(v) for k, v in logs.items()}
    assert all(np.isfinite(v) for v in values.values()), values
    assert values["proto_ce_real"] > 0 and values["d_loss"] != 0
    assert int(model.iteration.numpy()) == 2


def test_generator_step_skipped_at_first_iteration():
    model = tiny_model()
    g_before = [w.numpy().copy() for w in model.generator.weights]
    d_before = [w.numpy().copy() for w in model.discriminator.weights]
    step = model.make_train_function()  # what fit runs: the phase of each iteration chosen on the host
    step(iter([batch(4)]))
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(g_before, model.generator.weights))
    assert not all(np.array_equal(a, b.numpy()) for a, b in zip(d_before, model.discriminator.weights))
    assert int(model.g_optimizer.iterations.numpy()) == 0  # not even a zero-gradient update
    step(iter([batch(4)]))
    assert not all(np.array_equal(a, b.numpy()) for a, b in zip(g_before, model.generator.weights))
    assert int(model.g_optimizer.iterations.numpy()) == 1


def test_critic_iters_consumes_one_batch_per_d_step():
    model = tiny_model(critic_iters=2)
    model.train_step(batch(8))
    assert int(model.d_optimizer.iterations.numpy()) == 2


def test_classification_only_keeps_generator():
    model = tiny_model(classification_only=True)
    g_before = [w.numpy().copy() for w in model.generator.weights]
    for _ in range(2):
        model.train_step(batch(4))
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(g_before, model.generator.weights))


def test_test_logits_shape():
    model = tiny_model()
    images, _ = batch(5)
    assert tuple(model(images).shape) == (5, 3)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_fit_with_and_without_xla(jit_compile):
    """Both compile paths run a few fit steps on CPU (XLA is off by default there: it is slower)."""
    from introgan_tf.data.pipeline import make_train_dataset
    model = tiny_model(batch_size=8)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-4, 0.5), g_optimizer=keras.optimizers.Adam(2e-4, 0.5),
                  jit_compile=jit_compile)
    images = np.random.default_rng(0).integers(0, 256, (32, 28, 28, 1), dtype=np.uint8)
    labels = np.arange(32) % 3
    history = model.fit(make_train_dataset(images, labels, 8, seed=0), steps_per_epoch=3, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1]) and int(model.iteration.numpy()) == 3
    assert int(model.g_optimizer.iterations.numpy()) == 2  # G skipped at iteration 0, under XLA too
    assert model.jit_compile is jit_compile


def test_introgan_feeds_a_full_batch_to_every_critic_step():
    model = tiny_model(critic_iters=3, batch_size=16)
    assert model.element_rows == 48
    images, labels = batch(48)
    batches = model.split_element(images, labels)
    assert [tuple(b.shape) for b, _ in batches] == [(16, 28, 28, 1)] * 3
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b, _ in batches]), np.asarray(images))
