"""--strategy mirrored on two logical CPU devices (docs/design.md#scale): a 2-session upper-bound run equals the
single-device run with the same global batch and seeds, within float32 summation-order noise (the all-reduce
adds the two replicas' gradients in another order): weights within 1e-3, accuracies within 0.05.

Logical devices must be configured before TensorFlow initialises, so both runs happen in one child process.
"""

import json
import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from introgan_tf import experiment, testing
    data = testing.synthetic_dataset()
    out = {}
    for strategy in ("default", "mirrored"):
        config = testing.tiny_config(sys.argv[1] + "/" + strategy, iters=4, test_interval=2, save_interval=2,
                                     sample_interval=4, strategy=strategy, method="upper_bound")
        results = experiment.run(config, data=data)
        from introgan_tf.checkpointing import SessionCheckpointer
        path = SessionCheckpointer(sys.argv[1] + "/" + strategy + "/checkpoints").info(2).path
        reader = tf.train.load_checkpoint(path)
        weights = {k: reader.get_tensor(k).tolist() for k in reader.get_variable_to_shape_map()
                   if k.startswith("optimizer/_trainable_variables/")}  # the trained weights
        out[strategy] = {"accuracy": [s["accuracy"] for s in results["sessions"]], "weights": weights,
                         "replicas": tf.distribute.MirroredStrategy().num_replicas_in_sync}
    print("RESULT " + json.dumps(out))
""")


def test_mirrored_two_replicas_equals_one_device(tmp_path, repo_root):
    env = dict(os.environ, PYTHONPATH=str(repo_root), TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True,
                          timeout=300, env=env, cwd=str(repo_root))
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(l for l in done.stdout.splitlines() if l.startswith("RESULT "))
    out = json.loads(line[len("RESULT "):])
    assert out["mirrored"]["replicas"] == 2
    single, mirrored = out["default"], out["mirrored"]
    assert len(single["accuracy"]) == len(mirrored["accuracy"]) == 2
    for a, b in zip(single["accuracy"], mirrored["accuracy"]):
        assert abs(a - b) <= 0.05, (single["accuracy"], mirrored["accuracy"])
    assert single["weights"].keys() == mirrored["weights"].keys() and single["weights"]
    import numpy as np
    for key in single["weights"]:
        diff = np.max(np.abs(np.asarray(single["weights"][key]) - np.asarray(mirrored["weights"][key])))
        assert diff < 1e-3, (key, diff)


def test_gan_methods_refuse_a_strategy_in_one_line():
    import pytest
    from introgan_tf.errors import InputError
    from introgan_tf.methods import resolve_config
    from introgan_tf.testing import tiny_config
    with pytest.raises(InputError, match="--strategy=mirrored: not supported for --method=introgan"):
        resolve_config(tiny_config("/tmp/unused", strategy="mirrored"))
