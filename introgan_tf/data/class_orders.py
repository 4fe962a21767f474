"""The five fixed class orders of the IntroGAN benchmark (He et al., 2024).

They come from ``datasets/{mnist,fashion-mnist,svhn}/order_{1..5}.txt`` of the
official repository and are identical for the three datasets
(docs/design.md#scenarios).  New label i corresponds to original label order[i].
"""

from typing import Tuple

import numpy as np

CLASS_ORDERS = {
    1: (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    2: (1, 5, 9, 4, 2, 6, 8, 7, 0, 3),
    3: (7, 2, 4, 3, 9, 5, 6, 8, 1, 0),
    4: (3, 1, 5, 9, 7, 2, 4, 6, 0, 8),
    5: (5, 3, 1, 0, 6, 9, 7, 4, 8, 2),
}


def get_class_order(order_idx: int, num_classes: int = 10) -> Tuple[int, ...]:
    """Returns the class order ``order_idx`` (1..5) for a dataset of ``num_classes``.

    For datasets with other than 10 classes only order 1 (identity) exists.

    Raises:
      ValueError: for an unknown order.
    """
    if num_classes != 10:
        if order_idx != 1:
            raise ValueError(f"order_idx {order_idx}: only order 1 exists for {num_classes} classes")
        return tuple(range(num_classes))
    if order_idx not in CLASS_ORDERS:
        raise ValueError(f"order_idx {order_idx}: expected one of {sorted(CLASS_ORDERS)}")
    return CLASS_ORDERS[order_idx]


def relabel(labels: np.ndarray, order: Tuple[int, ...]) -> np.ndarray:
    """Maps original labels to new labels: new label i is original label order[i]."""
    inverse = np.empty(len(order), np.int64)
    inverse[np.asarray(order)] = np.arange(len(order))
    return inverse[labels]
