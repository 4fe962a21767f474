"""introgan_tf command line: class-incremental generation and classification with GANs.

    python main.py --dataset fashion-mnist --method introgan
    python main.py --helpfull        # every flag, documented

Flags are defined under flags/; this file only parses them, sets up the host
allocator (before TensorFlow starts), builds the config and runs the
experiment.  User errors print one line and exit with status 2.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the way
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
from absl import logging  # noqa: E402

from flags import (baseline_flags, config_builder, data_flags, eval_flags, experiment_flags,  # noqa: E402,F401
                   gan_memory_flags, growth_flags, introgan_flags, training_flags)
from introgan_tf.data.datasets import check_files  # noqa: E402
from introgan_tf import host_memory  # noqa: E402
from introgan_tf.errors import InputError, RunError, StorageError  # noqa: E402

FLAGS = flags.FLAGS


def parse_flags(argv):
    """absl parsing, with flag errors as one line (absl prints two) and exit status 2."""
    try:
        return FLAGS(argv)
    except flags.Error as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except SystemExit:
        # absl exits with status 1 after printing --help/--helpfull; asking for help is not a failure.
        if any(arg.split("=")[0] in ("--help", "--helpfull", "--helpshort", "-?", "-h") for arg in argv[1:]):
            sys.exit(0)
        raise


def main(argv):
    if len(argv) > 1:
        print(f"error: unexpected arguments {' '.join(argv[1:])}", file=sys.stderr)
        sys.exit(2)
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # TensorFlow's INFO lines drown the progress output
    host_memory.apply(FLAGS.host_allocator)  # TensorFlow is not imported yet: it reads its switch once
    try:
        config = config_builder.build_config(FLAGS)
        if config_builder.is_test_mode(FLAGS):  # the run's own settings (and dataset) come from its results.json
            from introgan_tf import evaluate_run  # heavy imports only once the input is known to be usable
            evaluate_run.run_test(config.result_dir, config_builder.test_eval_override(FLAGS, config))
            return
        # Before TensorFlow is imported, so a missing dataset is one line, not one among TF's start-up lines.
        check_files(config.dataset, config.data_dir, config.data_source, config.data)
        from introgan_tf import experiment  # heavy imports only once the input is known to be usable
        experiment.run(config)
    except (InputError, RunError) as error:  # one line; 2 bad input, 3 non-finite loss, 4 a write failed
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except OSError as error:  # any other OS error while writing the run's files (docs/faults.md)
        if error.filename is None:
            raise
        print(f"error: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        sys.exit(StorageError.exit_code)


if __name__ == "__main__":
    app.run(main, flags_parser=parse_flags)
