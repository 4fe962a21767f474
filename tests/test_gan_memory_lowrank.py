"""GAN Memory's low-rank compression (--gm_lowrank; docs/methods.md#gan_memory, lowrank.py).

The SVD truncation, the stored count against its formula, the compressed modulation against the uncompressed one
at energy 1.0, the penalty, one 2-task run end to end (no forgetting for compressed memories, the SavedModel, a
resume that rebuilds the stored memories from gan_memory_lowrank.json), and the flags' one-line refusals.
(test_gan_memory.py checks that a SavedModel of gan_memory loads without our package.)
"""

import json

import numpy as np
import pytest

from introgan_tf import experiment
from introgan_tf.config import GANMemoryConfig
from introgan_tf.errors import InputError
from introgan_tf.testing import tiny_config

WIDTH = 16


def source_and_stats(seed=5, width=WIDTH):
    from introgan_tf.methods.gan_memory.modulation import normalise_network
    from introgan_tf.methods.gan_memory.source import random_source
    generator, _ = random_source(seed, width, 1, 32)
    stats = normalise_network(generator)
    return generator, stats, {name: sigma.shape for name, (sigma, _) in stats.items()}


def perturb(bank, rng, scale=0.05):
    for variable in bank.weights:
        variable.assign(np.asarray(variable) + scale * rng.standard_normal(variable.shape).astype(np.float32))


def test_fractions_by_width_and_truncation_keeps_the_energy_asked_for():
    from introgan_tf.methods.gan_memory import lowrank
    assert [lowrank.energy_fraction(c) for c in (16, 64, 128, 256, 512, 1024, 2048)] == \
        [1.0, 1.0, 1.0, 0.95, 0.9, 0.8, 0.8]
    # nf 64 at 32x32: the 512-wide block 0 and the 256-wide block 1 are compressed; nf 16: nothing.
    _, _, shapes64 = source_and_stats(width=64)
    assert lowrank.layer_fractions(shapes64) == {"block0_conv0": 0.9, "block0_conv1": 0.9, "block1_conv0": 0.95,
                                                 "block1_conv1": 0.95}
    _, _, shapes16 = source_and_stats()
    assert lowrank.layer_fractions(shapes16) == {}
    assert set(lowrank.layer_fractions(shapes16, 0.7)) == {n for n in shapes16 if n != "fc"}
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((24, 16)) @ np.diag(np.linspace(3, 0.1, 16)) @ rng.standard_normal((16, 16))
    singular = np.linalg.svd(matrix, compute_uv=False)
    for fraction in (0.3, 0.8, 0.95, 1.0):
        for held in (0.0, 0.2 * singular.sum()):
            u, s, v = lowrank.truncate(matrix, fraction, held)
            k, total = len(s), held + singular.sum()
            assert u.shape == (24, k) and v.shape == (16, k)
            np.testing.assert_allclose(s, singular[:k])
            if held / total >= fraction:
                assert k == 0
                continue
            assert (held + s.sum()) / total >= fraction - 1e-12  # enough energy ...
            assert k == 1 or (held + singular[:k - 1].sum()) / total < fraction  # ... with the fewest components
    assert len(lowrank.truncate(matrix, 1.0)[1]) == 16
    assert len(lowrank.truncate(matrix, 0.5, held=singular.sum())[1]) == 0  # the old bases explain it
    assert len(lowrank.truncate(np.zeros((4, 3)), 0.9)[1]) == 0


def test_compression_at_energy_1_reproduces_the_uncompressed_memory_and_counts_are_the_formula():
    """Task 1 and task 2 (on task 1's basis): G with the compressed memory equals G with the trained style
    (float rounding); task 2 starts exactly at task 1's memory; stored sizes are the formula's."""
    from introgan_tf.methods.gan_memory import lowrank
    from introgan_tf.methods.gan_memory.modulation import style_count
    generator, stats, shapes = source_and_stats()
    fractions = lowrank.layer_fractions(shapes, 1.0)
    rng = np.random.default_rng(1)
    z, labels = rng.standard_normal((4, 128)).astype(np.float32), np.array([0, 1, 1, 0])
    first = lowrank.training_bank(stats, fractions, None, 2, "fc", "t1")
    perturb(first, rng)
    trained = np.asarray(generator(z, styles=first.styles(labels)))
    memory1, added1 = lowrank.compress(first, fractions, "m1")
    np.testing.assert_allclose(np.asarray(generator(z, styles=memory1.styles(labels))), trained, atol=1e-5)
    second = lowrank.training_bank(stats, fractions, memory1, 2, "fc", "t2")
    assert np.array_equal(np.asarray(generator(z, styles=second.styles(labels, [memory1]))),
                          np.asarray(generator(z, styles=memory1.styles(labels))))
    perturb(second, rng)
    trained = np.asarray(generator(z, styles=second.styles(labels, [memory1])))
    memory2, added2 = lowrank.compress(second, fractions, "m2")
    np.testing.assert_allclose(np.asarray(generator(z, styles=memory2.styles(labels, [memory1]))), trained, atol=1e-5)
    # Counts: per compressed conv sum_parts K + n (C_in + C_out), + C_out; here every block conv is compressed.
    c_in, c_out = shapes["block0_conv0"][-2:]
    assert added1["block0_conv0"] == {"gamma": 128, "beta": 128}
    assert memory2.lowrank["block0_conv0"]["gamma"] == (128 + added2["block0_conv0"]["gamma"],
                                                        added2["block0_conv0"]["gamma"])
    for memory in (memory1, memory2):
        expected = 3 * 2048 + 2 * 2048 + sum(
            c + sum(k + n * (shape[-2] + c) for k, n in memory.lowrank[name].values())
            for name, shape in shapes.items() if name != "fc" for c in [shape[-1]])
        assert memory.parameter_count() == lowrank.stored_count(shapes, memory.lowrank, 2, 2048) == expected
    assert (c_in, c_out) == (128, 128)
    # At a lower energy the memory is smaller than the uncompressed 108,512.
    low = lowrank.layer_fractions(shapes, 0.5)
    memory, _ = lowrank.compress(lowrank.training_bank(stats, low, None, 2, "fc", "t"), low, "m")
    assert memory.parameter_count() < style_count(stats, 2, 2048) == 108512


def test_penalty_weights_the_tail_of_the_spectrum():
    import tensorflow as tf
    from introgan_tf.methods.gan_memory import lowrank
    matrix = np.random.default_rng(2).standard_normal((6, 4)).astype(np.float32)
    s = np.linalg.svd(matrix.astype(np.float64), compute_uv=False)
    expected = np.sum(s * (0.1 + 1.0 / (1.0 + np.exp(-10.0 * np.arange(4) / 4))))
    variable = tf.Variable(matrix)
    with tf.GradientTape() as tape:
        value = lowrank.rank_penalty(variable)
    np.testing.assert_allclose(float(value), expected, rtol=1e-5)
    assert np.all(np.isfinite(tape.gradient(value, variable).numpy()))


# ------------------------------------------------------------------------------------------------ end to end
def lr_config(result_dir, **gan_memory):
    config = tiny_config(result_dir, method="gan_memory", iters=4, test_interval=4, save_interval=4,
                         sample_interval=4)
    return config.replace(gan_memory=GANMemoryConfig(**dict(dict(
        width=WIDTH, source_checkpoint="random:3", gan_iterations=3, classifier_iterations=1, lowrank=True,
        lowrank_energy=0.5, lowrank_every=2), **gan_memory)))


def test_two_compressed_tasks_end_to_end_with_resume(synthetic_mnist, tmp_path):
    """Task 1's compressed memory gives bitwise the same samples after task 2 as right after its compression
    (directly and through generate), its hash never changes, task 2 reuses its basis; results.json, the ranks
    file and the SavedModel; a resume rebuilds the memories from the ranks file and samples them identically."""
    from introgan_tf.methods.gan_memory.method import GANMemory, variables_sha256
    z = np.random.default_rng(7).standard_normal((6, 128)).astype(np.float32)
    labels = np.array([0, 1, 0, 1, 1, 0], np.int32)
    records = []
    original_end = GANMemory.end_session

    def end(self, session):
        original_end(self, session)
        records.append(dict(task1=self.model.task_images(self.memories[0], z, labels).numpy(),
                            generate=np.asarray(self.model.generate(z, labels)),
                            memory1=variables_sha256(self.memories[0].weights), lowrank=self.memories[-1].lowrank))

    mp = pytest.MonkeyPatch()
    mp.setattr(GANMemory, "end_session", end)
    try:
        data = experiment.run(lr_config(tmp_path), data=synthetic_mnist)
        resumed = experiment.run(lr_config(tmp_path).replace(resume=True), data=synthetic_mnist)
    finally:
        mp.undo()
    end_1, end_2, after_resume = records
    for later in (end_2, after_resume):
        assert np.array_equal(end_1["task1"], later["task1"]) and later["memory1"] == end_1["memory1"]
        assert np.array_equal(end_1["generate"][labels < 2], later["generate"][labels < 2])
    assert np.array_equal(end_2["generate"], after_resume["generate"]) and resumed["complete"]
    assert not np.allclose(end_1["task1"], 0.0)
    ranks = json.loads((tmp_path / "gan_memory_lowrank.json").read_text())["tasks"]
    assert len(ranks) == 2 and set(ranks[0]) == {"block%d_conv%d" % (b, c) for b in range(4) for c in range(2)}
    assert end_2["lowrank"]["block0_conv0"]["gamma"] == (ranks[0]["block0_conv0"]["gamma"]
                                                        + ranks[1]["block0_conv0"]["gamma"],
                                                        ranks[1]["block0_conv0"]["gamma"])
    for session in data["sessions"]:
        memory = session["memory_per_task"]
        assert memory["parameters"] == memory["stored_parameters_measured"] < memory["uncompressed_parameters"]
        assert memory["ratio_to_uncompressed"] == memory["parameters"] / memory["uncompressed_parameters"]
        assert memory["bytes"] == 4 * memory["parameters"] and session["frozen_source_unchanged"] is True
        assert session["lowrank"]["compressed_layers"]["block0_conv0"] == 0.5
    assert data["sessions"][1]["memory_sha256"][0] == data["sessions"][0]["memory_sha256"][0]
    assert data["sessions"][1]["memories_total_bytes"] == 4 * sum(data["sessions"][1]["lowrank"]["parameters_per_task"])
    import tensorflow as tf
    seen = data["sessions"][1]["seen_classes"]  # original ids, in new-label order
    exported = tf.saved_model.load(str(tmp_path / "saved_model")).signatures["generate"](
        z=tf.constant(z), labels=tf.constant([seen[int(y)] for y in labels]))["images"].numpy()
    # The export samples the compressed memories (graph vs eager: float rounding only).
    np.testing.assert_allclose(exported, end_2["generate"], atol=1e-5)


def test_lowrank_flags_refuse_bad_values_in_one_line(cli_config):
    base = dict(method="gan_memory", source_checkpoint="random:0", gan_memory_width=16)
    for values, text in ((dict(gm_lowrank=True, gm_lowrank_energy=1.5), "--gm_lowrank_energy=1.5: must be in (0, 1]"),
                         (dict(gm_lowrank=True, gm_lowrank_energy=0.0), "--gm_lowrank_energy=0.0: must be in (0, 1]"),
                         (dict(gm_lowrank_energy=0.9), "--gm_lowrank_energy=0.9: only with --gm_lowrank"),
                         (dict(gm_lowrank=True, gm_lowrank_every=0), "--gm_lowrank_every=0: must be positive"),
                         (dict(gm_lowrank=True, gm_lowrank_weight=-1.0), "--gm_lowrank_weight=-1.0: must be >= 0")):
        with pytest.raises(InputError) as raised:
            cli_config(**base, **values)
        assert str(raised.value) == text or str(raised.value).startswith(text), str(raised.value)
        assert "\n" not in str(raised.value)
    with pytest.raises(InputError, match="--gm_lowrank: compresses the task memories"):
        cli_config(method="gan_memory_source", gm_lowrank=True, gan_memory_width=16)
    config = cli_config(**base, gm_lowrank=True)
    assert (config.gan_memory.lowrank, config.gan_memory.lowrank_weight, config.gan_memory.lowrank_every,
            config.gan_memory.lowrank_energy) == (True, 0.01, 10, None)
    assert cli_config(**base).gan_memory.lowrank is False
