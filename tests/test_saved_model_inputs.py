"""SavedModel input checks (export.py): a wrong input is an InvalidArgumentError naming the argument and what was
expected.  The models are exported untrained (begin_session only): the checks do not depend on the weights."""

import numpy as np
import pytest
import tensorflow as tf

from introgan_tf import experiment, testing
from introgan_tf.export import export_saved_model
from introgan_tf.methods import get_method, resolve_config


def exported(tmp_path_factory, synthetic_mnist, method):
    path = tmp_path_factory.mktemp(method)
    config = resolve_config(testing.tiny_config(str(path / "run"), method=method))
    scenario = experiment.make_scenario(config, synthetic_mnist)
    instance = get_method(method)(config, synthetic_mnist.info, scenario)
    instance.begin_session(scenario.sessions[0])
    return tf.saved_model.load(export_saved_model(instance, scenario.sessions[0], str(path / "saved_model")))


@pytest.fixture(scope="module")
def conditional(tmp_path_factory, synthetic_mnist):
    return exported(tmp_path_factory, synthetic_mnist, "introgan")  # seen classes 0 and 1


@pytest.fixture(scope="module")
def unconditional(tmp_path_factory, synthetic_mnist):
    return exported(tmp_path_factory, synthetic_mnist, "dgr")


def refused(call, *needles):
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        call()
    for needle in needles:
        assert needle in str(raised.value), str(raised.value)[-1000:]


def test_sizes_are_exported(conditional):
    assert int(conditional.z_dim.numpy()) == 100 and conditional.image_shape.numpy().tolist() == [28, 28, 1]


def test_generate_checks_z_and_labels(conditional):
    generate = conditional.signatures["generate"]
    assert generate(z=tf.zeros([2, 100]), labels=tf.constant([0, 1]))["images"].shape == (2, 28, 28, 1)
    refused(lambda: generate(z=tf.zeros([2, 99]), labels=tf.constant([0, 1])),
            "generate: z must be float32 of shape [N, 100]", "[2 99]")
    refused(lambda: generate(z=tf.zeros([100]), labels=tf.constant([0])), "generate: z must be")
    refused(lambda: generate(z=tf.zeros([2, 100]), labels=tf.constant([0])),
            "generate: labels must be a vector of one class id per row of z")
    refused(lambda: generate(z=tf.zeros([1, 100]), labels=tf.constant([7])),
            "generate: every label must be a seen class (original ids 0,1)")
    refused(lambda: generate(z=tf.zeros([1, 100]), labels=tf.constant([-3])), "every label must be a seen class")


def test_generate_attribute_takes_numpy_and_refuses_non_integer_labels(conditional):
    images = conditional.generate(np.zeros((2, 100)), np.array([1, 0]))["images"]  # float64 z, int64 labels
    assert images.shape == (2, 28, 28, 1)
    assert conditional.generate(np.zeros((1, 100), np.float32), np.array([1.0]))["images"].shape == (1, 28, 28, 1)
    refused(lambda: conditional.generate(np.zeros((2, 100)), np.array([0.5, 1.0])),
            "generate: labels must be integer class ids")
    refused(lambda: conditional.generate(np.zeros((1, 100)), np.array([2 ** 32])),  # no int32 wrap-around to 0
            "every label must be a seen class")


def test_classify_checks_shape_channels_and_values(conditional):
    classify = conditional.signatures["classify"]
    assert classify(images=tf.zeros([3, 28, 28, 1]))["logits"].shape == (3, 2)
    for shape in ([2, 32, 32, 1], [2, 28, 28, 3], [28, 28, 1]):
        refused(lambda: classify(images=tf.zeros(shape)), "classify: images must be float32 of shape [N, 28, 28, 1]",
                "with 1 channel(s)")
    refused(lambda: classify(images=tf.fill([1, 28, 28, 1], 3.0)), "classify: images must be finite values in [-1, 1]")
    refused(lambda: classify(images=tf.fill([1, 28, 28, 1], float("nan"))), "must be finite values in [-1, 1]")
    refused(lambda: conditional.classify(np.full((1, 28, 28, 1), 200, np.uint8)),
            "must be finite values in [-1, 1] (uint8 pixels p: p / 127.5 - 1)")
    assert conditional.classify(np.zeros((1, 28, 28, 1)))["logits"].shape == (1, 2)  # float64 is cast


def test_unconditional_generate_checks_z(unconditional):
    out = unconditional.signatures["generate"](z=tf.zeros([2, 100]))
    assert out["images"].shape == (2, 28, 28, 1) and out["labels"].shape == (2,)
    refused(lambda: unconditional.signatures["generate"](z=tf.zeros([2, 3])), "generate: z must be float32 of shape")
    assert unconditional.generate(np.zeros((1, 100)))["images"].shape == (1, 28, 28, 1)
