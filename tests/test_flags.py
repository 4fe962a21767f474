"""Command line: flag validation is one line on stderr, exit status 2, no traceback."""

import os
import subprocess
import sys

import dataclasses

import pytest
from absl import flags as absl_flags

from introgan_tf.config import ExperimentConfig, TrainConfig
from introgan_tf.errors import InputError
from introgan_tf.methods import METHODS, resolve_config

FLAGS = absl_flags.FLAGS


@pytest.fixture
def run_main(repo_root):
    def run(*args, timeout=120):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        return subprocess.run([sys.executable, "main.py", *args], cwd=repo_root, capture_output=True, text=True,
                              timeout=timeout, env=env)
    return run


@pytest.fixture
def build(cli_config):
    return cli_config


def test_defaults(build):
    config = build()
    assert config.dataset == "fashion-mnist" and config.method == "introgan" and config.seed == 1993
    assert config.result_dir == os.path.join("result", "introgan", "fashion-mnist_order_1")
    assert config.train.iters == 10000 and config.train.batch_size == 100 and config.introgan.proto_num == 20


@pytest.mark.parametrize("values, flag", [
    (dict(nb_cl=3), "--nb_cl=3"),
    (dict(nb_cl=0), "--nb_cl=0"),
    (dict(order_idx=7), "--order_idx=7"),
    (dict(num_sessions=6), "--num_sessions=6"),
    (dict(iters=0), "--iters=0"),
    (dict(batch_size=-1), "--batch_size=-1"),
    (dict(fixed_center_idx=20), "--fixed_center_idx=20"),
    (dict(fid_samples_per_class=1), "--fid_samples_per_class=1"),
    (dict(tfds_download=True), "--tfds_download"),
    (dict(fid_extractor="inception"), "--inception_weights"),
])
def test_invalid_combinations(build, values, flag):
    with pytest.raises(InputError) as info:
        build(**values)
    assert flag in str(info.value) and "\n" not in str(info.value)


def test_cli_bad_enum_is_one_line(run_main):
    result = run_main("--method", "nope")
    assert result.returncode == 2
    lines = [l for l in result.stderr.splitlines() if l.strip() and "absl::InitializeLog" not in l]
    assert len(lines) == 1 and "--method" in lines[0] and "Traceback" not in result.stderr


def test_cli_bad_combination_is_one_line(run_main):
    result = run_main("--dataset", "mnist", "--nb_cl", "4")
    assert result.returncode == 2 and "error: --nb_cl=4" in result.stderr and "Traceback" not in result.stderr


def test_cli_missing_data_dir(run_main):
    result = run_main("--dataset", "mnist", "--method", "introgan", "--data_dir", "/nonexistent")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr  # checked before TF's start-up lines
    assert "/nonexistent" in lines[0] and "to obtain the data" in lines[0]


def test_helpfull_documents_every_flag(run_main, build):
    result = run_main("--helpfull")
    assert result.returncode == 0
    ours = [name for module, defined in FLAGS.flags_by_module_dict().items() if module.startswith("flags.")
            for name in (flag.name for flag in defined)]
    assert len(ours) > 40
    for name in ours:
        assert f"--{name}:" in result.stdout or f"--[no]{name}:" in result.stdout, name


@pytest.mark.parametrize("values, expected", [
    (dict(method="dgr"), (3000, 1000, 4000)),
    (dict(method="dgr", iters=200), (150, 50, 200)),
    (dict(method="dgr", iters=200, solver_iterations=100), (100, 100, 200)),
    (dict(method="dgr", generator_iterations=7, solver_iterations=5), (7, 5, 12)),
])
def test_dgr_iterations_resolve_to_a_3_to_1_split(build, values, expected):
    config = build(**values)
    assert (config.dgr.generator_iterations, config.dgr.solver_iterations, config.train.iters) == expected
    assert (config.train.batch_size, config.train.adam_lr, config.train.adam_beta2, config.train.mode,
            config.train.critic_iters, config.dgr.weight_decay) == (32, 1e-4, 0.9, "wgan-gp", 5, 1e-5)


def test_method_defaults_leave_the_introgan_family_alone(build):
    for method in ("introgan", "mergan_ig", "lower_bound", "upper_bound"):
        config = build(method=method)
        assert (config.train.iters, config.train.batch_size, config.train.adam_lr, config.train.adam_beta1,
                config.train.mode, config.train.critic_iters, config.nb_cl) == (10000, 100, 2e-4, 0.5, "dcgan", 1, 2)
    assert build(method="mergan_ig").aux.acgan_scale_g == 0.1
    assert build(method="acgan").aux.acgan_scale_g == 1.0
    assert build(method="mergan", mergan_mode="joint").train.iters == 40001
    assert build(method="mergan", dataset="mnist").mergan.ra_factor == 1e-3
    assert build(method="introgan", iters=77, batch_size=5).train.iters == 77  # an explicit flag always wins


@pytest.mark.parametrize("values, flag", [
    (dict(method="dgr", iters=10, generator_iterations=3, solver_iterations=3), "--iters=10"),
    (dict(method="introgan", experiment="permutated-mnist"), "--experiment=permutated-mnist"),
    (dict(method="dgr", experiment="permutated-mnist", mnist_permutation_number=0), "--mnist_permutation_number=0"),
    (dict(method="dgr", importance_of_new_task=1.5), "--importance_of_new_task=1.5"),
    (dict(method="mergan", RA_factor=-1.0), "--RA_factor=-1.0"),
])
def test_invalid_baseline_flags(build, values, flag):
    with pytest.raises(InputError) as info:
        build(**values)
    assert flag in str(info.value) and "\n" not in str(info.value)


def test_every_flag_sets_one_config_field(build):
    """Each flag of flags/ maps to a config field (FLAG_PATHS), and every config field that has a flag is set."""
    from flags import config_builder
    ours = {flag.name for module, defined in FLAGS.flags_by_module_dict().items() if module.startswith("flags.")
            for flag in defined}
    assert ours - set(config_builder.FLAG_PATHS) == {"result_dir", "test", *config_builder.PROCESS_FLAGS}
    config = build()
    for path in config_builder.FLAG_PATHS.values():
        config.get(path)  # raises AttributeError for a path that names no field


@pytest.mark.parametrize("method", sorted(METHODS))
def test_python_config_resolves_as_the_cli(build, method):
    """A Python user's ExperimentConfig(method=...) gets the same per-method values as the command line."""
    from_cli = build(method=method, dataset="mnist")
    by_hand = resolve_config(ExperimentConfig(method=method, dataset="mnist", result_dir=from_cli.result_dir))
    assert by_hand == from_cli
    assert resolve_config(by_hand) == by_hand  # idempotent


def test_python_config_explicit_values_win():
    config = resolve_config(ExperimentConfig(method="mergan", dataset="mnist", train=TrainConfig(batch_size=16)))
    assert config.train.batch_size == 16 and config.train.critic_iters == 5 and config.nb_cl == 1


def test_help_lists_per_method_defaults(run_main):
    result = run_main("--helpfull")
    assert "mergan: 64" in result.stdout and "dgr: 32" in result.stdout  # --batch_size
    assert "upper_bound: False" in result.stdout  # --finetune


def test_legacy_results_config_layout_is_read():
    """results.json files written before the config was regrouped (0.1) still load (--test, report, resume)."""
    legacy = dataclasses.asdict(ExperimentConfig())
    for group in ("growth", "replay", "aux", "mergan", "dgr", "acgan"):
        del legacy[group]
    legacy["introgan"].update(finetune=True, improved_finetune=True, improved_finetune_type="v2",
                              improved_finetune_noise=True, improved_finetune_noise_level=0.5, replay_per_class=None,
                              classification_only=True)
    legacy["baseline"] = dict(class_iters=2, acgan_scale=1.0, acgan_scale_g=0.1, use_softmax=True,
                              diversity_promoting_weight=0.0, mergan_mode="jtr", ra_factor=1e-3,
                              replay_mode="none", importance_of_new_task=0.3, generator_iterations=3000,
                              solver_iterations=1000, weight_decay=0.0, joint=True)
    config = ExperimentConfig.from_dict(legacy)
    assert config.train.classification_only is True and config.growth.finetune is True
    assert config.aux.class_iters == 2 and config.mergan.mergan_mode == "jtr" and config.dgr.replay_mode == "none"
    assert config.acgan.joint is True and config.introgan.proto_num == 20
