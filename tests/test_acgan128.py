"""AC-GAN's ImageNet-folder networks at 128x128 (the original's ``imagenet`` branch): their layer sizes, one training
step at a small batch, the choice of networks from the image shape (--image_size 128 on an image folder), the
one-line error for a shape without networks, and --z_dim / --dim."""

import numpy as np
import pytest
from PIL import Image

from introgan_tf import testing
from introgan_tf.errors import InputError


def test_128_networks_have_the_original_layer_sizes():
    from introgan_tf.methods.acgan.networks import ACGANDiscriminator, ACGANGenerator
    g, d = ACGANGenerator(10, channels=3, size=128), ACGANDiscriminator(10, channels=3, size=128)
    # G: Dense(110 -> 768), ConvT 5x5/s2/p0 768-384-256-192-64 (5, 13, 29, 61), ConvT 8x8/s2 -> 128.
    kernels = [v.shape for v in g.weights if "kernel" in v.path and "deconv" in v.path]
    assert kernels == [(5, 5, 384, 768), (5, 5, 256, 384), (5, 5, 192, 256), (5, 5, 64, 192), (8, 8, 3, 64)]
    assert g.g_input.kernel.shape == (110, 768)
    # D: 3x3 convs 16..512, the stride-1 ones unpadded: 128 -> 64 -> 62 -> 31 -> 29 -> 15 -> 13.
    assert d.source_output.kernel.shape == (13 * 13 * 512, 1) and d.class_output.kernel.shape == (13 * 13 * 512, 10)
    # Parameters of the PyTorch original (convs and ConvTs without bias; BN's moving statistics counted here too).
    assert g.count_params() == 11467520 and d.count_params() == 2527547


def test_one_training_step_at_128(tmp_path):
    import keras
    from introgan_tf.methods.acgan.model import ACGANModel
    from introgan_tf.methods.acgan.networks import ACGANDiscriminator, ACGANGenerator
    model = ACGANModel(ACGANGenerator(3, channels=3, size=128), ACGANDiscriminator(3, channels=3, size=128), 3,
                       (0, 3), (128, 128, 3), acgan_scale=1.0, acgan_scale_g=1.0, batch_size=2, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-4, 0.5), g_optimizer=keras.optimizers.Adam(2e-4, 0.5))
    before = [v.numpy().copy() for v in model.generator.trainable_variables[:1]]
    images = np.random.default_rng(0).uniform(-1, 1, (2, 128, 128, 3)).astype(np.float32)
    logs = model.train_step((images, np.array([0, 2], np.int32)))
    assert all(np.isfinite(float(logs[key])) for key in ("d_loss", "g_loss"))
    assert not np.array_equal(before[0], model.generator.trainable_variables[0].numpy())
    assert model.generate(np.zeros((1, 110), np.float32), np.array([1])).shape == (1, 128, 128, 3)
    assert model.classify(images).shape == (2, 3)


def folder(root, classes=("b_class", "a_class"), per_class=3):
    for label, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i, image in enumerate(testing.scene_images(per_class, 140, 180, label)):
            Image.fromarray(image).save(root / name / f"{i}.png")
    return root


def test_image_size_chooses_the_networks(tmp_path, cli_config):
    from introgan_tf.config import DataConfig
    from introgan_tf.data.scenario import ClassIncrementalScenario
    from introgan_tf.data.class_orders import get_class_order
    from introgan_tf.methods import get_method, resolve_config
    from introgan_tf.data.datasets import load_dataset
    root = folder(tmp_path / "folder")
    for size, expected in ((128, 128), (32, 32)):
        config = resolve_config(testing.tiny_config(str(tmp_path / "run"), method="acgan", dataset="image_folder",
                                                    data_dir=str(root), num_sessions=1).replace(
            nb_cl=1, data=DataConfig(image_size=size, data_cache=False)))
        data = load_dataset("image_folder", str(root), options=config.data)
        scenario = ClassIncrementalScenario(x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                                            y_test=data.y_test, class_order=get_class_order(1, 2), nb_cl=1)
        method = get_method("acgan")(config, data.info, scenario)
        generator, discriminator = method.fresh_networks()
        assert generator.size == discriminator.size == expected
        assert generator((np.zeros((1, 110), np.float32), np.array([0]))).shape == (1, size, size, 3)
    with pytest.raises(InputError) as error:
        cli_config(method="acgan", dataset="image_folder", data_dir=str(root), image_size=64, nb_cl=1)
    message = str(error.value)
    assert "64x64x3" in message and "--image_size 32" in message and "128" in message and "\n" not in message


def test_z_dim_and_dim_are_honoured(cli_config):
    from introgan_tf.methods.acgan.networks import ACGANDiscriminator, ACGANGenerator
    config = cli_config(method="acgan")
    assert (config.train.z_dim, config.train.dim) == (110, 16)  # the original's nz and widths
    config = cli_config(method="acgan", z_dim=40, dim=8)
    assert (config.train.z_dim, config.train.dim) == (40, 8)
    g, d = ACGANGenerator(10, 1, z_dim=40, dim=8), ACGANDiscriminator(10, 1, dim=8)
    assert g.g_input.kernel.shape == (40, 192) and d.d_conv1.kernel.shape == (3, 3, 1, 8)
    assert g((np.zeros((2, 40), np.float32), np.array([0, 9]))).shape == (2, 32, 32, 1)
    with pytest.raises(InputError, match="--z_dim=5: .*10 classes"):
        cli_config(method="acgan", z_dim=5)
