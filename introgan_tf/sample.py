"""Sample a grid from an exported SavedModel.

    python -m introgan_tf.sample --saved_model result/introgan/fashion-mnist_order_1/saved_model \
        --classes 0,3 --num 64 --out grid.png

One row per class (original dataset label ids), ``--num`` samples per row.
Needs only TensorFlow, numpy and Pillow at run time: the SavedModel carries the model.
"""

import argparse
import os
import sys

import numpy as np

from introgan_tf.errors import InputError
from introgan_tf.visualization import make_grid, save_png


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m introgan_tf.sample", description=__doc__.splitlines()[0])
    parser.add_argument("--saved_model", required=True, help="directory written by the training run (saved_model/)")
    parser.add_argument("--classes", required=True, help="comma-separated original label ids, e.g. 0,3")
    parser.add_argument("--num", type=int, default=10, help="samples per class (one row each)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise")
    parser.add_argument("--out", default="grid.png", help="PNG file to write")
    return parser.parse_args(argv)


def sample_grid(saved_model: str, classes, num: int, seed: int = 0) -> np.ndarray:
    """uint8 grid with one row of ``num`` samples per class."""
    import tensorflow as tf

    if not os.path.isfile(os.path.join(saved_model, "saved_model.pb")):
        raise InputError(f"--saved_model {saved_model}: no saved_model.pb there (expected RESULT_DIR/saved_model)")
    loaded = tf.saved_model.load(saved_model)
    generate = loaded.signatures["generate"]
    # Exports since z is checked in the graph hold z_dim; older ones have it in the signature.
    z_dim = int(loaded.z_dim.numpy()) if hasattr(loaded, "z_dim") else generate.structured_input_signature[1]["z"].shape[-1]
    z = np.random.default_rng(seed).standard_normal((num, z_dim)).astype(np.float32)
    rows = []
    for label in classes:
        try:
            out = generate(z=tf.constant(z), labels=tf.fill([num], tf.constant(label, tf.int32)))
        except tf.errors.InvalidArgumentError:
            raise InputError(f"--classes: class {label} is not a seen class of {saved_model}") from None
        rows.append(out["images"].numpy())
    return make_grid(np.concatenate(rows), rows=len(classes))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        try:
            classes = [int(c) for c in args.classes.split(",") if c.strip()]
        except ValueError:
            raise InputError(f"--classes {args.classes!r}: expected comma-separated integers such as 0,3") from None
        if not classes or args.num < 1:
            raise InputError("--classes needs at least one class and --num must be >= 1")
        save_png(sample_grid(args.saved_model, classes, args.num, args.seed), args.out)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
