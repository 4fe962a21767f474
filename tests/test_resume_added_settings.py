"""--resume of a run whose results.json predates --z_dim / --dim (the fields are missing, or None where the method
had no such setting yet): it ran with what are now the method's defaults, so it resumes; a different value
given now is still refused, naming the setting."""

import json

import pytest

from introgan_tf import experiment, testing
from introgan_tf.errors import InputError


def test_resume_without_z_dim_and_dim(tmp_path, synthetic_mnist):
    config = testing.tiny_config(str(tmp_path / "run"), method="acgan", num_sessions=1, iters=2, test_interval=2,
                                 save_interval=2, sample_interval=2)
    with testing.without_export():  # only results.json is read
        experiment.run(config, data=synthetic_mnist)
    path = tmp_path / "run" / "results.json"
    results = json.loads(path.read_text())
    assert (results["config"]["train"]["z_dim"], results["config"]["train"]["dim"]) == (110, 16)
    del results["config"]["train"]["z_dim"]    # written before the field existed
    results["config"]["train"]["dim"] = None   # written when acgan had no such setting
    path.write_text(json.dumps(results))
    with pytest.raises(InputError) as error:  # a value other than the old version's is still a change
        experiment.Experiment(config.replace(resume=True).replace_path("train.z_dim", 64), data=synthetic_mnist)
    assert "train.z_dim: 110 -> 64" in str(error.value) and "dim" not in str(error.value).replace("z_dim", "")
    with testing.without_export():
        experiment.run(config.replace(num_sessions=2, resume=True), data=synthetic_mnist)
    resumed = json.loads(path.read_text())
    assert resumed["complete"] and len(resumed["sessions"]) == 2
    assert (resumed["config"]["train"]["z_dim"], resumed["config"]["train"]["dim"]) == (110, 16)
