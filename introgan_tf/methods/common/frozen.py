"""Frozen copies of networks: the previous session's generator (and solver) that replay reads."""


def frozen_copy(network):
    """A non-trainable network of the same class and configuration holding a copy of ``network``'s weights.

    Built from ``network.get_config()``, so every registered network can be copied; its name is
    ``previous_<name>``.  Weights are copied, not shared: training the original leaves the copy unchanged.
    """
    config = dict(network.get_config(), name=f"previous_{network.name}")
    copy = type(network).from_config(config)
    copy.set_weights(network.get_weights())
    copy.trainable = False
    return copy
