"""Every registered layer and network serialises: get_config -> from_config rebuilds it, and a Keras save / load
(.keras file) gives the same outputs.  New registered classes must be added to EXAMPLES (checked)."""

import importlib

import keras
import numpy as np
import pytest

from introgan_tf.methods import METHODS

PACKAGE = "introgan_tf>"
RNG = np.random.default_rng(0)


def images(shape):
    return RNG.uniform(-1, 1, (3,) + tuple(shape)).astype(np.float32)


def noise_and_labels(z_dim, num_classes):
    return (RNG.standard_normal((3, z_dim)).astype(np.float32), np.arange(3, dtype=np.int32) % num_classes)


# registered name -> (constructor arguments, inputs of one call)
EXAMPLES = {
    "ConditionalGenerator": (dict(num_classes=3), lambda: noise_and_labels(100, 3)),
    "EmbeddingDiscriminator": (dict(image_shape=(28, 28, 1)), lambda: images((28, 28, 1))),
    "ConditionalBNGenerator": (dict(num_classes=3, dim=8), lambda: noise_and_labels(128, 3)),
    "UnconditionalBNGenerator": (dict(z_dim=16, channels=3, dim=8),
                                 lambda: RNG.standard_normal((3, 16)).astype(np.float32)),
    "MeRGANIGDiscriminator": (dict(num_classes=3, image_shape=(28, 28, 1)), lambda: images((28, 28, 1))),
    "MeRGANGenerator": (dict(num_classes=10, channels=1), lambda: noise_and_labels(128, 10)),
    "MeRGANCritic": (dict(num_classes=10, channels=3), lambda: images((32, 32, 3))),
    "MeRGANResNetGenerator": (dict(num_classes=4, channels=3, dim=4), lambda: noise_and_labels(128, 4)),
    "MeRGANResNetCritic": (dict(num_classes=4, channels=3, dim=4), lambda: images((64, 64, 3))),
    "ACGANGenerator": (dict(num_classes=10, channels=3), lambda: noise_and_labels(110, 10)),
    "ACGANDiscriminator": (dict(num_classes=10, channels=1), lambda: images((32, 32, 1))),
    "DGRGenerator": (dict(channels=1), lambda: RNG.standard_normal((3, 100)).astype(np.float32)),
    "DGRCritic": (dict(channels=1), lambda: images((32, 32, 1))),
    "DGRSolver": (dict(num_classes=10, channels=1), lambda: images((32, 32, 1))),
    "CNNClassifier": (dict(num_classes=4, image_shape=(28, 28, 1)), lambda: images((28, 28, 1))),
    "UnconditionalGenerator": (dict(z_dim=100, channels=1), lambda: RNG.standard_normal((3, 100)).astype(np.float32)),
    "SourceDiscriminator": (dict(image_shape=(28, 28, 1)), lambda: images((28, 28, 1))),
    "ResNetGenerator": (dict(width=4, channels=1, image_size=32), lambda: RNG.standard_normal((3, 128)).astype(np.float32)),
    "ResNetDiscriminator": (dict(width=4, channels=3, image_size=32, n_out=2), lambda: images((32, 32, 3))),
    "MemoryClassifier": (dict(num_classes=10, image_shape=(28, 28, 1)), lambda: images((28, 28, 1))),
}


def registered():
    """Every class our packages register, after importing every method's networks."""
    for package, _ in METHODS.values():
        importlib.import_module(f"{package}.networks")
    importlib.import_module("introgan_tf.layers.conditional_batch_norm")
    return {name[len(PACKAGE):]: cls for name, cls in keras.saving.get_custom_objects().items()
            if name.startswith(PACKAGE)}


def outputs(network, inputs):
    result = network(inputs, training=False)
    return [np.asarray(o) for o in (result if isinstance(result, (tuple, list)) else [result])]


def test_every_registered_class_has_an_example():
    assert set(registered()) - {"ConditionalBatchNorm", "ChannelLayerNorm"} == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_config_round_trip_and_keras_save_load(name, tmp_path):
    cls = registered()[name]
    arguments, make_inputs = EXAMPLES[name]
    network = cls(**arguments)
    inputs = make_inputs()
    expected = outputs(network, inputs)

    config = network.get_config()
    for key, value in arguments.items():
        assert tuple(config[key]) == tuple(value) if isinstance(value, tuple) else config[key] == value
    rebuilt = cls.from_config(config)
    assert [tuple(w.shape) for w in rebuilt.weights] == [tuple(w.shape) for w in network.weights]
    rebuilt.set_weights(network.get_weights())
    for a, b in zip(outputs(rebuilt, inputs), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)

    path = str(tmp_path / f"{name}.keras")
    network.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls
    for a, b in zip(outputs(loaded, inputs), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_channel_layer_norm_round_trip(tmp_path):
    from introgan_tf.layers.normalization import ChannelLayerNorm
    x_in = keras.Input((4, 4, 3))
    layer = ChannelLayerNorm(name="ln")
    model = keras.Model(x_in, layer(x_in))
    layer.scale.assign(RNG.normal(size=(3,)).astype(np.float32))
    x = images((4, 4, 3))
    expected = np.asarray(model(x))
    normalised = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / np.sqrt(x.var(axis=(1, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(expected, normalised * layer.scale.numpy(), rtol=1e-4, atol=1e-5)  # per sample
    model.save(str(tmp_path / "ln.keras"))
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(str(tmp_path / "ln.keras"))(x)), expected,
                               rtol=1e-6, atol=1e-6)


def test_conditional_batch_norm_round_trip(tmp_path):
    from introgan_tf.layers.conditional_batch_norm import ConditionalBatchNorm
    x_in, y_in = keras.Input((4, 4, 3)), keras.Input((), dtype="int32")
    layer = ConditionalBatchNorm(5, name="cbn")
    model = keras.Model([x_in, y_in], layer(x_in, y_in))
    layer.gamma.assign(RNG.normal(size=(5, 3)).astype(np.float32))
    x, y = images((4, 4, 3)), np.array([0, 4, 2], np.int32)
    expected = np.asarray(model([x, y]))
    assert ConditionalBatchNorm.from_config(layer.get_config()).num_classes == 5
    model.save(str(tmp_path / "cbn.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "cbn.keras"))
    np.testing.assert_allclose(np.asarray(loaded([x, y])), expected, rtol=1e-6, atol=1e-6)


def test_frozen_copy_is_an_equal_non_trainable_network():
    from introgan_tf.methods.common.frozen import frozen_copy
    for name in ("MeRGANGenerator", "DGRSolver"):
        arguments, make_inputs = EXAMPLES[name]
        network = registered()[name](**arguments)
        copy = frozen_copy(network)
        inputs = make_inputs()
        assert not copy.trainable_weights and copy.name == f"previous_{network.name}"
        for a, b in zip(outputs(copy, inputs), outputs(network, inputs)):
            np.testing.assert_array_equal(a, b)
        network.weights[0].assign(network.weights[0] + 1.0)  # a copy, not shared weights
        assert not np.array_equal(np.asarray(copy.weights[0]), np.asarray(network.weights[0]))
