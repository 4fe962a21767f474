"""DGR's settings that follow the reference code: --z_dim / --dim reach the scholar (the original's
--generator-z-size and generator / critic channel sizes), and --importance_of_new_task defaults to 0.4 on
MNIST <-> SVHN as run_full_experiments runs them (0.3 elsewhere)."""

import numpy as np
import pytest

from introgan_tf import testing


def test_z_dim_and_dim_reach_the_scholar(cli_config):
    from introgan_tf.config import ExperimentConfig
    from introgan_tf.data.scenario import ClassIncrementalScenario
    from introgan_tf.data.class_orders import get_class_order
    from introgan_tf.methods import get_method, resolve_config
    default = cli_config(method="dgr")
    assert (default.train.z_dim, default.train.dim) == (100, 64)
    config = resolve_config(ExperimentConfig(dataset="mnist", method="dgr", result_dir="/unused").replace_path(
        "train.z_dim", 12).replace_path("train.dim", 8))
    data = testing.synthetic_dataset("mnist", train_per_class=2, test_per_class=1)
    scenario = ClassIncrementalScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                                        y_test=data.y_test, class_order=get_class_order(1, 10), nb_cl=2)
    method = get_method("dgr")(config, data.info, scenario)
    generator, critic, solver = method.new_networks()
    assert generator.z_dim == 12 and generator.fc.kernel.shape == (12, 4 * 4 * 8 * 8)
    assert critic.conv1.kernel.shape == (4, 4, 1, 8) and critic.fc.kernel.shape == (3 * 3 * 64, 1)
    assert solver.fc.kernel.shape == (4 * 4 * 1024, 10)  # the solver's width is --solver-channel-size, not --dim
    assert generator(np.zeros((3, 12), np.float32)).shape == (3, 32, 32, 1)
    assert method.sampler.z_dim == 12


@pytest.mark.parametrize("experiment, expected", [("mnist-svhn", 0.4), ("svhn-mnist", 0.4),
                                                  ("class-incremental", 0.3), ("permutated-mnist", 0.3)])
def test_importance_of_new_task_default(cli_config, experiment, expected):
    config = cli_config(method="dgr", experiment=experiment)
    assert config.dgr.importance_of_new_task == expected
    assert cli_config(method="dgr", experiment=experiment, importance_of_new_task=0.7).dgr.importance_of_new_task \
        == 0.7


def test_importance_of_new_task_reaches_the_model():
    from introgan_tf.config import ExperimentConfig
    from introgan_tf.methods import resolve_config
    config = resolve_config(ExperimentConfig(dataset="mnist", method="dgr", experiment="mnist-svhn",
                                             result_dir="/unused"))
    from introgan_tf.methods.dgr.model import DGRModel
    from introgan_tf.methods.dgr.networks import DGRCritic, DGRGenerator, DGRSolver
    model = DGRModel(DGRGenerator(3, dim=4), DGRCritic(3, dim=4), DGRSolver(10, 3), config.dgr, config.train, 10,
                     replay=None, previous=None, seed=0, image_shape=(32, 32, 3))
    assert model.importance == 0.4
