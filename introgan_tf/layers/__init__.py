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
