"""The evaluator keeps a session's test images as uint8 (a float copy is 4x the bytes, held all session) and
feeds ``classify`` the same float batches as before, so the accuracies are unchanged."""

import numpy as np

from introgan_tf import testing
from introgan_tf.config import EvalConfig
from introgan_tf.data.pipeline import INFERENCE_BATCH
from introgan_tf.data.scenario import ClassIncrementalScenario
from introgan_tf.evaluation.accuracy import session_prefix_accuracies
from introgan_tf.evaluation.session_evaluator import SessionEvaluator


class MeanPixelMethod:
    """classify: logits from each image's mean pixel, recording the batches it is given."""

    def __init__(self, num_seen):
        self.num_seen, self.batches = num_seen, []

    def classify(self, images):
        self.batches.append((images.dtype, len(images), float(images.min()), float(images.max())))
        mean = images.reshape(len(images), -1).mean(1, keepdims=True)
        return -np.abs(mean - np.linspace(-1, 1, self.num_seen)[None])


def test_test_images_stay_uint8_and_accuracies_are_those_of_the_float_images(tmp_path):
    data = testing.synthetic_dataset(train_per_class=2, test_per_class=150)
    scenario = ClassIncrementalScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                                        y_test=data.y_test, class_order=list(range(10)), nb_cl=2)
    evaluator = SessionEvaluator(scenario, "mnist", EvalConfig(skip_fid=True), seed=0, samples_dir=str(tmp_path))
    session = scenario.sessions[-1]
    images, labels = evaluator.test_data(session)
    assert images.dtype == np.uint8 and len(images) == 1500  # more than one classify batch

    method = MeanPixelMethod(session.num_seen)
    prefixes = evaluator.accuracy(method, session)
    assert [b[1] for b in method.batches] == [INFERENCE_BATCH, 500]
    assert all(dtype == np.float32 and low >= -1.0 and high <= 1.0 for dtype, _, low, high in method.batches)
    floats = images.astype(np.float32) / 127.5 - 1.0
    expected = session_prefix_accuracies(scenario, MeanPixelMethod(session.num_seen).classify(floats), labels,
                                         session)
    assert prefixes == expected
