"""MeRGAN, official protocol: the four modes on real MNIST, the losses, CondBN, G_old, resume."""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from introgan_tf import experiment, losses
from introgan_tf.config import AuxClassifierConfig, EvalConfig, MeRGANConfig, TrainConfig
from introgan_tf.errors import InputError
from introgan_tf.layers.conditional_batch_norm import ConditionalBatchNorm
from introgan_tf.layers.resolution import crop_to, pad_to_32
from introgan_tf.methods import resolve_config
from introgan_tf.methods.common.frozen import frozen_copy
from introgan_tf.methods.mergan.method import MeRGAN
from introgan_tf.methods.mergan.model import MeRGANModel
from introgan_tf.methods.mergan.networks import MeRGANCritic, MeRGANGenerator
from introgan_tf.testing import TINY_TRAIN, check_results, tiny_config, without_export

ITERS = 3
MODES = ("sft", "jtr", "ra", "joint")
TRAIN = TrainConfig(**dict(TINY_TRAIN, iters=ITERS, critic_iters=1))


def mergan_config(root, result_dir, mode, train=TRAIN, **overrides):
    return tiny_config(result_dir, method="mergan", data_dir=str(root / "mnist")).replace(
        train=train, mergan=MeRGANConfig(mergan_mode=mode), eval=EvalConfig(skip_fid=True, fid_samples_per_class=16),
        **overrides)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared_data):
    """Two sessions of nb_cl 2 per mode; jtr runs one session, then resumes after it (complete checkpoint)."""
    root = shared_data
    out = {}
    for mode in MODES:
        result_dir = tmp_path_factory.mktemp(f"mergan_{mode}")
        # Only session 2's SavedModel is read; session 1's would be replaced by it first.
        with pytest.MonkeyPatch.context() as patch, without_export(keep=(2,)):
            if mode in ("sft", "joint"):  # eager, to keep the file fast; the replay modes run compiled
                patch.setattr(MeRGAN, "make_model", eager(MeRGAN.make_model))
            if mode == "jtr":
                experiment.run(mergan_config(root, result_dir, mode, num_sessions=1))
                out[mode] = (result_dir, experiment.run(mergan_config(root, result_dir, mode, resume=True)))
            else:
                out[mode] = (result_dir, experiment.run(mergan_config(root, result_dir, mode)))
    return out


def eager(make_model):
    def make_eager_model(*args, **kwargs):
        model = make_model(*args, **kwargs)
        model.run_eagerly = True
        return model
    return make_eager_model


@pytest.mark.parametrize("mode", MODES)
def test_modes_write_results_samples_checkpoints(runs, mode):
    result_dir, data = runs[mode]
    check_results(data, "mergan", iters=ITERS, test_interval=3)
    assert json.load(open(result_dir / "results.json")) == json.loads(json.dumps(data))
    second = data["sessions"][1]
    for s, session in enumerate(data["sessions"], start=1):
        assert session["mergan_mode"] == mode and session["ra_factor"] == 1e-3
        assert (result_dir / "samples" / f"session_{s}.png").is_file()
        assert list((result_dir / "checkpoints" / f"session_{s}").glob("ckpt-*.index"))
        assert "generated_accuracy_mean" in session
    replayed = mode in ("ra", "jtr")
    assert second["replayed_old_classes"] == (2 if replayed else 0)
    assert second["replay_per_old_class"] == (16 // 2 if replayed else 0)  # n = floor(B / t)
    if mode == "joint":  # every seen class's real images, recorded
        assert [s["joint_classes"] for s in data["sessions"]] == [[0, 1], [0, 1, 2, 3]]
        assert second["pool_size"] == 5923 + 6742 + 5958 + 6131
    else:
        assert "joint_classes" not in second and second["pool_size"] == 5958 + 6131


def test_saved_models_generate_28x28_and_classify_seen_classes(runs):
    """The exported signatures see the dataset's shape: z of size 128 -> 28x28 images; logits over the seen classes."""
    for mode in MODES:
        model = tf.saved_model.load(str(runs[mode][0] / "saved_model"))
        images = model.signatures["generate"](z=tf.random.normal([6, 128]),
                                              labels=tf.constant([0, 1, 2, 3, 3, 3]))["images"]
        assert images.shape == (6, 28, 28, 1)
        assert -1 <= float(tf.reduce_min(images)) <= float(tf.reduce_max(images)) <= 1
        out = model.signatures["classify"](images=images)
        assert out["logits"].shape == (6, 4) and set(out["labels"].numpy().tolist()) <= {0, 1, 2, 3}


def test_defaults_of_the_original(cli_config):
    build = cli_config
    config = build(method="mergan", dataset="mnist")
    train = config.train
    assert (train.batch_size, train.critic_iters, train.iters, config.nb_cl) == (64, 5, 4001, 1)
    assert (train.adam_lr, train.adam_beta1, train.adam_beta2, train.mode, train.lambda_gp) == (
        1e-4, 0.0, 0.9, "wgan-gp", 10.0)
    assert (config.mergan.mergan_mode, config.mergan.ra_factor, config.aux.acgan_scale,
            config.aux.acgan_scale_g) == ("ra", 1e-3, 1.0, 1.0)
    assert build(method="mergan", dataset="mnist", mergan_mode="joint").train.iters == 40001


# ------------------------------------------------------------------------------------------ session logic
@pytest.fixture(scope="module")
def mnist(shared_data):
    from introgan_tf.data.class_orders import get_class_order
    from introgan_tf.data.datasets import load_dataset
    from introgan_tf.data.scenario import ClassIncrementalScenario
    data = load_dataset("mnist", str(shared_data / "mnist"), "idx", None, False)
    scenario = ClassIncrementalScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                                        y_test=data.y_test, class_order=get_class_order(1, 10), nb_cl=2)
    return data.info, scenario


@pytest.fixture
def method_for(mnist, shared_data):
    def build(tmp_path, mode, **overrides):
        info, scenario = mnist
        return MeRGAN(resolve_config(mergan_config(shared_data, tmp_path, mode, **overrides)), info, scenario)
    return build


def all_values(objects):
    return [v.numpy() for obj in objects for v in obj.variables]


def test_mid_session_resume_restores_g_d_optimizers_and_g_old(mnist, method_for, tmp_path):
    """What Experiment.restore does after a kill in session 2: previous checkpoint, begin_session, latest."""
    from introgan_tf.checkpointing import SessionCheckpointer
    _, scenario = mnist
    first, second = scenario.sessions[:2]
    checkpointer = SessionCheckpointer(str(tmp_path / "checkpoints"))
    trained = method_for(tmp_path, "jtr")
    trained.begin_session(first)
    batches = iter(trained.train_dataset(first, seed=0))
    trained.model.train_step(next(batches))
    trained.end_session(first)
    checkpointer.save(trained, 1, complete=True)
    trained.begin_session(second)
    batches = iter(trained.train_dataset(second, seed=0))
    for _ in range(2):  # the second iteration has a G step
        trained.model.train_step(next(batches))
    checkpointer.save(trained, 2, complete=False)

    resumed = method_for(tmp_path, "jtr")
    resumed.build_session_model(first)
    checkpointer.restore(resumed, checkpointer.info(1))
    resumed.end_session(first)
    resumed.begin_session(second)
    checkpointer.restore(resumed, checkpointer.latest())
    names = ("generator", "critic", "old_generator", "d_optimizer", "g_optimizer")
    for name in names:
        expected = all_values([getattr(trained.model, name)])
        got = all_values([getattr(resumed.model, name)])
        assert len(expected) == len(got) > 0
        for a, b in zip(expected, got):
            np.testing.assert_array_equal(a, b)
    assert resumed.iteration == 2 and int(resumed.model.g_optimizer.iterations.numpy()) == 1
    assert set(resumed.checkpoint_objects()) >= {"model", "d_optimizer", "g_optimizer", "old_generator"}
    # G_old holds the end of session 1, not the session-2 G.
    g_old, g_new = all_values([resumed.model.old_generator]), all_values([resumed.model.generator])
    assert any(not np.array_equal(a, b) for a, b in zip(g_old, g_new))


def test_joint_mode_trains_from_scratch_on_every_seen_class(mnist, method_for, tmp_path):
    _, scenario = mnist
    first, second = scenario.sessions[:2]
    method = method_for(tmp_path, "joint")
    method.begin_session(first)
    method.end_session(first)
    previous = method.model
    method.begin_session(second)
    labels = method.pool[1]
    assert set(np.unique(labels).tolist()) == {0, 1, 2, 3} and len(labels) == np.isin(scenario.y_train, range(4)).sum()
    assert method.model.generator is not previous.generator and method.model.old_generator is None
    assert method.model.fake_classes.numpy().tolist() == [0, 1, 2, 3]
    samples = method.sample(np.repeat(np.arange(4), 10))  # in batches of batch_size, cropped to 28x28
    assert samples.shape == (40, 28, 28, 1) and np.abs(samples).max() <= 1
    assert method.classify(samples).shape == (40, 4)  # the AC head's 10 logits, sliced to the seen classes
    sft = method_for(tmp_path, "sft")
    sft.begin_session(first)
    sft.end_session(first)
    sft.begin_session(second)
    assert sft.model.fake_classes.numpy().tolist() == [2, 3] and set(np.unique(sft.pool[1]).tolist()) == {2, 3}
    assert sft.model.generator is sft.generator  # G continues
    _, fake_labels = sft.model.sample_fakes(400)
    assert set(np.asarray(fake_labels).tolist()) == {2, 3}


def test_user_errors_name_the_flag(method_for, tmp_path):
    with pytest.raises(InputError, match="--mode=dcgan"):
        method_for(tmp_path, "ra", train=dataclasses.replace(TRAIN, mode="dcgan"))
    with pytest.raises(InputError, match="--batch_size=1"):  # 2 old classes in session 2, 1 sample
        method_for(tmp_path, "ra", train=dataclasses.replace(TRAIN, batch_size=1))
    method_for(tmp_path, "sft", train=dataclasses.replace(TRAIN, batch_size=1))  # no replay: fine


# ------------------------------------------------------------------------------------------ networks
def test_conditional_batch_norm_uses_batch_statistics_and_class_tables():
    norm = ConditionalBatchNorm(10)
    x = np.random.default_rng(0).normal(3.0, 2.0, (8, 4, 4, 5)).astype(np.float32)
    norm.build(x.shape)
    gamma, beta = norm.get_weights()
    gamma[1], beta[1] = 2.0, -3.0
    norm.set_weights([gamma, beta])
    out = np.asarray(norm(x, np.array([0] * 4 + [1] * 4)))
    x_hat = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-5)  # biased variance of this batch
    np.testing.assert_allclose(out[:4], x_hat[:4], atol=1e-4)
    np.testing.assert_allclose(out[4:], 2.0 * x_hat[4:] - 3.0, atol=1e-4)
    # Also at inference: an image depends on its batch (no moving averages).
    generator = MeRGANGenerator(10)
    z = np.random.default_rng(1).normal(size=(4, 128)).astype(np.float32)
    alone = np.asarray(generator((z[:2], np.array([0, 0])), training=False))
    together = np.asarray(generator((z, np.array([0, 0, 5, 5])), training=False))
    assert not np.allclose(alone, together[:2], atol=1e-4)
    assert {w.name for w in generator.weights} >= {"gamma", "beta"}
    assert all(w.shape[0] == 10 for w in generator.weights if w.name in ("gamma", "beta"))


def test_shapes_padding_and_cropping():
    generator, critic = MeRGANGenerator(10), MeRGANCritic(10)
    images = np.asarray(generator((np.zeros((3, 128), np.float32), np.array([0, 4, 9]))))
    assert images.shape == (3, 32, 32, 1) and np.abs(images).max() <= 1
    source, logits = critic(images)
    assert source.shape == (3,) and logits.shape == (3, 10)
    assert generator.g_input.kernel.shape == (128, 2048) and critic.class_output.kernel.shape == (2048, 10)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
    padded = np.asarray(pad_to_32(x))
    assert padded.shape == (2, 32, 32, 1)
    np.testing.assert_array_equal(padded[:, 2:30, 2:30], x)
    assert (padded[:, :2] == -1).all() and (padded[:, :, 30:] == -1).all()  # black border, like 0 in [0, 1]
    np.testing.assert_array_equal(np.asarray(crop_to(pad_to_32(x), (28, 28, 1))), x)


# ------------------------------------------------------------------------------------------ losses
def test_replay_alignment_loss_by_hand():
    rng = np.random.default_rng(0)
    old = [rng.normal(size=(3, 2, 2, 1)).astype(np.float32) for _ in range(2)]
    new = [rng.normal(size=(3, 2, 2, 1)).astype(np.float32) for _ in range(2)]
    by_hand = 1e-3 * (0.5 * np.sum((old[0] - new[0]) ** 2) + 0.5 * np.sum((old[1] - new[1]) ** 2)) / 2
    assert float(losses.replay_alignment_loss(old, new, 1e-3)) == pytest.approx(by_hand, rel=1e-5)
    assert float(losses.l2_loss(np.array([[1.0, 2.0], [3.0, 0.0]]))) == pytest.approx(7.0)


def session_model(mode, generator, critic, old_generator, num_old=2, batch_size=8):
    train = TrainConfig(batch_size=batch_size, critic_iters=2, mode="wgan-gp")
    model = MeRGANModel(generator, critic, old_generator, [2, 3], num_old, 4, (28, 28, 1),
                        MeRGANConfig(mergan_mode=mode, ra_factor=1e-3), AuxClassifierConfig(acgan_scale_g=1.0), train,
                        seed=0)
    model.compile(keras.optimizers.Adam(1e-4, 0.0, 0.9), keras.optimizers.Adam(1e-4, 0.0, 0.9))
    return model


def test_ra_same_noise_gradient_only_into_g_new_and_g_old_frozen():
    generator, critic = MeRGANGenerator(10), MeRGANCritic(10)
    old = frozen_copy(generator)
    model = session_model("ra", generator, critic, old)
    old_before = all_values([old])
    # G_new == G_old: the same z_i through both gives L_RA = 0 exactly.
    _, _, ra_loss, jtr_g = model.generator_step()
    assert float(ra_loss) == 0.0 and float(jtr_g) == 0.0
    replay = model.replay_inputs()
    assert [tuple(z.shape) for z, _ in replay] == [(4, 128)] * 2  # n = floor(8 / 2) per old class
    with tf.GradientTape() as tape:
        ra = losses.replay_alignment_loss([old(r) for r in replay], [generator(r) for r in replay], 1e-3)
    grads = tape.gradient(ra, generator.trainable_variables + old.variables)
    assert all(g is None for g in grads[len(generator.trainable_variables):])
    assert any(g is not None and float(ops.max(ops.abs(g))) > 0 for g in grads[:len(generator.trainable_variables)])
    images = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype(np.float32)
    before = all_values([generator])
    for _ in range(2):
        model.train_step((images, np.full(16, 2, np.int32)))
    assert not old.trainable and not old.trainable_variables
    for a, b in zip(old_before, all_values([old])):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(before, all_values([generator])))
    assert float(model.trackers["ra_loss"].result()) > 0  # the G step after the first moved G away from G_old


class ToyGenerator(keras.Model):
    """Constant images ``value`` everywhere; records the labels of each call."""

    z_dim = 128

    def __init__(self, value):
        super().__init__()
        self.value = value
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        self.calls = []

    def call(self, inputs, training=False):
        z, labels = inputs
        self.calls.append(np.asarray(labels).tolist())
        return ops.ones((ops.shape(z)[0], 32, 32, 1)) * self.value * self.scale


class ToyCritic(keras.Model):
    """w(x) = k * mean(x) with k = 1; constant zero AC logits (CE = log 10)."""

    def __init__(self):
        super().__init__()
        self.k = self.add_weight(shape=(), initializer="ones", name="k")

    def call(self, images, training=False):
        source = self.k * ops.mean(images, axis=(1, 2, 3))
        return source, ops.zeros((ops.shape(images)[0], 10)) * self.k


def test_jtr_terms_on_a_toy_critic():
    """G_old's replay is "real": L_D gets + mean w(G_new) - mean w(G_old) + CE(ac(G_old), i) per old class."""
    new, old, critic = ToyGenerator(-1.0), ToyGenerator(0.5), ToyCritic()
    model = session_model("jtr", new, critic, old)
    images = np.zeros((8, 32, 32, 1), np.float32)
    result = model.critic_step(images, np.full(8, 2, np.int32))
    log10 = np.log(10.0)
    # w(G_new) = -1, w(G_old) = 0.5 (k = 1 before the update): sum over 2 old classes of (-1 - 0.5 + log 10).
    assert float(result["jtr_d"]) == pytest.approx(2 * ((-1.0 - 0.5) + log10), rel=1e-5)
    # Minimising it raised w on G_old's samples relative to G_new's: k grew, as w(old) - w(new) = 1.5 k.
    assert float(critic.k.numpy()) > 1.0
    # Each old class is a separate single-class call of n = 4 samples, in both generators.
    assert old.calls == [[0] * 4, [1] * 4]
    assert [[0] * 4, [1] * 4] == [c for c in new.calls if len(c) == 4]
    _, _, ra_loss, jtr_g = model.generator_step()
    k = float(critic.k.numpy())  # w(G_new) = -k: sum over 2 old classes of (k + log 10)
    assert float(jtr_g) == pytest.approx(2 * (k + log10), rel=1e-5) and float(ra_loss) == 0.0
