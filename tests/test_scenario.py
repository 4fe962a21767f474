"""Class orders, relabelling and session records."""

import numpy as np
import pytest

from introgan_tf.data.class_orders import CLASS_ORDERS, get_class_order, relabel
from introgan_tf.data.scenario import ClassIncrementalScenario


def test_orders_are_the_originals():
    assert get_class_order(2) == (1, 5, 9, 4, 2, 6, 8, 7, 0, 3)
    assert get_class_order(5) == (5, 3, 1, 0, 6, 9, 7, 4, 8, 2)
    for order in CLASS_ORDERS.values():
        assert sorted(order) == list(range(10))
    with pytest.raises(ValueError):
        get_class_order(6)


def test_relabel():
    order = get_class_order(2)
    assert relabel(np.array([1, 5, 3]), order).tolist() == [0, 1, 9]


def make(order_idx=2, nb_cl=2):
    y = np.arange(100) % 10
    x = np.repeat(y[:, None, None, None], 4, axis=1).astype(np.uint8)
    return ClassIncrementalScenario(x_train=x, y_train=y, x_test=x, y_test=y,
                                    class_order=get_class_order(order_idx), nb_cl=nb_cl)


def test_sessions_and_records():
    scenario = make()
    assert len(scenario.sessions) == 5
    first = scenario.sessions[0]
    assert first.as_record() == {"index": 1, "new_classes": [1, 5], "seen_classes": [1, 5]}
    third = scenario.sessions[2]
    assert third.new_classes == (4, 5) and third.num_seen == 6 and third.num_old == 4
    assert third.seen_original == (1, 5, 9, 4, 2, 6)
    x, y = scenario.train_data(third)
    assert set(y.tolist()) == {4, 5} and set(x[:, 0, 0, 0].tolist()) == {2, 6}  # original ids in the pixels
    _, y_test = scenario.test_data(third)
    assert set(y_test.tolist()) == set(range(6))


def test_one_class_per_session():
    assert len(make(nb_cl=1).sessions) == 10


def test_invalid():
    with pytest.raises(ValueError, match="nb_cl=3"):
        make(nb_cl=3)
    y = np.arange(10)
    with pytest.raises(ValueError, match="permutation"):
        ClassIncrementalScenario(x_train=y, y_train=y, x_test=y, y_test=y, class_order=(0,) * 10, nb_cl=2)
