"""Network building blocks that several methods' networks share (initialisers, the conv trunk, conditional
batch norm, 28 -> 32 padding).  A method's own networks live in ``methods/<name>/networks.py``."""

# Side of the baselines' 32x32 networks (MeRGAN, DGR, AC-GAN); resolution.py pads 28x28 images to it.
SIZE = 32


def numbered_layers(owner, prefix: str, count: int) -> list:
    """``owner.<prefix>1 .. owner.<prefix><count>``.

    Networks keep their layers as numbered attributes, never as a Python list: Keras 3 does not make a list of
    layers a tf.train.Checkpoint dependency, so the weights of a network no optimiser tracks (a frozen copy)
    and BatchNorm statistics would silently be left out of the checkpoints.
    """
    return [getattr(owner, f"{prefix}{i}") for i in range(1, count + 1)]


def synchronized_batch_norm() -> bool:
    """Whether a BatchNormalization built now must use the global batch's statistics (``synchronized=True``).

    True under a strategy with several replicas, so that two replicas normalise as one device would on the same
    global batch; False otherwise, where Keras' unsynchronised moments keep single-device runs' numbers.
    """
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    return tf.distribute.get_strategy().num_replicas_in_sync > 1
