"""The families: registry, option checks, the updates of a step, evaluation and sample grids."""

import dataclasses
import types

import keras
import numpy as np
import pytest
from keras import ops

import zoo
from training import choices
from training.config import TrainConfig
from training.families import FAMILIES
from training.families import ConfigurationError
from training.families import family_of
from training.families import losses
from training.families.base import Noise
from training.families.gan import fixed_generator_inputs


def _numpy(tensor):
    return np.asarray(ops.convert_to_numpy(tensor))


def _config(model, **options):
    values = dict(model=model, resolution=16, channels=1, ch=8, n_disc=2, learning_rate=2e-4,
                  g_learning_rate=1e-4, d_learning_rate=4e-4)
    return dataclasses.replace(TrainConfig(), **{**values, **options})


def _info(num_classes=0):
    return types.SimpleNamespace(num_classes=num_classes)


def _apply(networks, calls):
    def apply(name, inputs, training):
        calls.append((name, training))
        # An engine's inputs are tensors (Keras refuses a list mixing NumPy and tensors).
        inputs = keras.tree.map_structure(ops.convert_to_tensor, inputs)
        return networks[name](inputs, training=training)

    return apply


def _draw(noise, batch, seed=0):
    rng = np.random.default_rng(seed)
    drawn = {}
    for name, spec in noise.items():
        if spec.kind == "integers":
            drawn[name] = rng.integers(0, spec.maxval, (batch,)).astype(np.int32)
        elif spec.kind == "normal":
            drawn[name] = rng.standard_normal((batch, *spec.shape)).astype(np.float32)
        else:
            drawn[name] = rng.uniform(size=(batch, *spec.shape)).astype(np.float32)
    return drawn


def test_family_of_finds_each_family_and_refuses_others():
    assert family_of("sagan_refined") is FAMILIES["sagan"]
    assert family_of("autoencoder_none") is FAMILIES["autoencoder"]
    with pytest.raises(ConfigurationError, match="'sagn_refined'.*sagan_"):
        family_of("sagn_refined")


def test_every_zoo_model_has_a_family():
    for name in zoo.list_models():
        assert family_of(name).name == name.split("_", 1)[0]
    assert set(FAMILIES) == set(choices.FAMILIES)


def test_noise_refuses_unknown_kinds():
    with pytest.raises(ValueError, match="kind='poisson'"):
        Noise("poisson")
    with pytest.raises(ValueError, match="maxval=0"):
        Noise("integers")


def test_checks_name_the_option():
    gan, autoencoder = FAMILIES["sagan"], FAMILIES["autoencoder"]
    with pytest.raises(ConfigurationError, match="--conditional needs labels"):
        gan.check(_config("sagan_refined", conditional=True), _info(0))
    gan.check(_config("sagan_refined", conditional=True), _info(10))
    with pytest.raises(ConfigurationError, match="--conditional applies to GANs"):
        autoencoder.check(_config("autoencoder_refined", conditional=True), _info(10))
    with pytest.raises(ConfigurationError, match="--fid-every measures generated images"):
        autoencoder.check(_config("autoencoder_refined", fid_every=10), _info())
    with pytest.raises(ConfigurationError, match="--hole-min 0.6 and --hole-max 0.5"):
        autoencoder.check(_config("autoencoder_refined", hole_min=0.6, hole_max=0.5), _info())


@pytest.mark.parametrize("num_classes", [0, 3])
def test_gan_step_is_n_disc_discriminator_updates_then_one_generator_update(num_classes):
    family = FAMILIES["sagan"]
    config = _config("sagan_refined", n_disc=2, resolution=32, conditional=bool(num_classes))
    arguments = family.zoo_arguments(config, 1, _info(num_classes))
    assert arguments == {"resolution": 32, "channels": 1, "ch": 8, "num_classes": num_classes}
    gan = zoo.create("sagan_refined", **arguments)
    updates = family.updates(config, gan)
    assert [(u.network, u.takes_batch) for u in updates] == [
        ("discriminator", True), ("discriminator", True), ("generator", False)]
    assert updates[0].noise["labels"].maxval == max(num_classes, 1)

    networks = family.networks(gan)
    images = np.random.default_rng(1).uniform(-1, 1, (3, 32, 32, 1)).astype(np.float32)
    labels = np.array([0, 1, 2], np.int32) % max(num_classes, 1)
    noise = _draw(updates[0].noise, 3)
    calls = []
    per_example, logs = updates[0].loss(_apply(networks, calls), (images, labels), noise)
    assert calls == [("generator", True), ("discriminator", True)]  # D sees real+fake at once
    assert sorted(logs) == ["logits/d_fake", "logits/d_real", "losses/d_loss"]

    assert _numpy(per_example).shape == (3,) and np.all(np.isfinite(_numpy(per_example)))
    np.testing.assert_allclose(float(logs["losses/d_loss"]), _numpy(per_example).mean(), rtol=1e-6)

    calls.clear()
    per_example, logs = updates[-1].loss(_apply(networks, calls), None, noise)
    assert calls == [("generator", True), ("discriminator", True)]
    assert list(logs) == ["losses/g_loss"]
    np.testing.assert_allclose(float(logs["losses/g_loss"]), _numpy(per_example).mean(), rtol=1e-6)


def test_gan_discriminator_loss_is_the_hinge_of_one_call_on_real_and_fake():
    family = FAMILIES["sagan"]
    config = _config("sagan_none", n_disc=1, resolution=32)
    gan = zoo.create("sagan_none", resolution=32, channels=1, ch=8)
    update = family.updates(config, gan)[0]
    images = np.zeros((2, 32, 32, 1), np.float32)
    seen = {}

    def apply(name, inputs, training):
        if name == "generator":
            return np.ones((2, 32, 32, 1), np.float32)
        seen["inputs"] = inputs
        return np.array([[2.0], [-0.5], [0.5], [-3.0]], np.float32)

    noise = _draw(update.noise, 2)
    per_example, logs = update.loss(apply, (images, np.zeros(2, np.int32)), noise)
    assert _numpy(seen["inputs"]).shape == (4, 32, 32, 1)
    np.testing.assert_allclose(_numpy(per_example), [0 + 1.5, 1.5 + 0])
    np.testing.assert_allclose(float(logs["logits/d_real"]), 0.75)
    np.testing.assert_allclose(float(logs["logits/d_fake"]), -1.25)
    np.testing.assert_allclose(
        _numpy(losses.hinge_generator_loss(np.array([[0.5], [-3.0]]))), [-0.5, 3.0])


@pytest.mark.parametrize("corruption", ["none", "noise", "mask", "hole"])
def test_reconstruction_update_and_evaluation(corruption):
    family = FAMILIES["autoencoder"]
    config = _config("autoencoder_none", corruption=corruption, loss="l2", resolution=32)
    autoencoder = zoo.create("autoencoder_none", resolution=32, channels=1, ch=8)
    (update,) = family.updates(config, autoencoder)
    assert (update.network, update.takes_batch) == ("autoencoder", True)
    assert (corruption == "none") == (update.noise == {})
    images = np.random.default_rng(2).uniform(-1, 1, (2, 32, 32, 1)).astype(np.float32)
    noise = _draw(update.noise, 2)
    seen = {}

    def apply(name, inputs, training):
        seen[training] = _numpy(inputs)
        return inputs * 0.5

    per_example, logs = update.loss(apply, (images, None), noise)
    expected = ((seen[True] * 0.5 - images) ** 2).reshape(2, -1).mean(axis=1)
    np.testing.assert_allclose(_numpy(per_example), expected, rtol=1e-5)
    assert list(logs) == ["losses/reconstruction"]
    assert (corruption == "none") == np.array_equal(seen[True], images)

    scores = family.evaluate_batch(apply, images, noise, config)
    expected_tags = {"eval/psnr", "eval/ssim"}
    if corruption != "none":
        expected_tags.add("eval/psnr_corrupted_input")
    if corruption in ("mask", "hole"):
        expected_tags.add("eval/psnr_hidden")
    assert set(scores) == expected_tags
    assert all(_numpy(value).shape == (2,) for value in scores.values())
    np.testing.assert_array_equal(seen[False], seen[True])  # same draws, same corruption


def test_sample_grids():
    gan_family, ae_family = FAMILIES["sagan"], FAMILIES["autoencoder"]
    gan = zoo.create("sagan_none", resolution=32, channels=1, ch=8, num_classes=3)
    config = _config("sagan_none", conditional=True, resolution=32)
    grid = gan_family.sample_grid(gan.generator, gan, config, num_samples=9, seed=1)
    assert grid.shape == (96, 96, 1) and grid.dtype == np.uint8
    with pytest.raises(ValueError, match="label=3"):
        gan_family.sample_grid(gan.generator, gan, config, num_samples=4, label=3)

    autoencoder = zoo.create("autoencoder_none", resolution=32, channels=1, ch=8)
    config = _config("autoencoder_none", corruption="hole", resolution=32)
    images = np.zeros((5, 32, 32, 1), np.float32)
    grid = ae_family.sample_grid(autoencoder, autoencoder, config, images=images)
    assert grid.shape == (96, 160, 1)  # rows: images, holed inputs, reconstructions
    with pytest.raises(ValueError, match="held-out"):
        ae_family.sample_grid(autoencoder, autoencoder, config)


def test_attention_probes_show_the_sample_grid_rows_and_the_held_out_images():
    family = FAMILIES["sagan"]
    gan = zoo.create("sagan_none", resolution=32, channels=1, ch=8, num_classes=3)
    config = _config("sagan_none", conditional=True, resolution=32, num_samples=16)
    trained = family.checkpoint_networks(gan, {"ema_generator": gan.generator})
    assert family.attention_probes(trained, gan, config, None)[0][0] is gan.generator
    preview = (np.zeros((8, 32, 32, 1), np.float32), np.arange(8, dtype=np.int32) % 3)
    (generator, inputs, images), (discriminator, d_inputs, d_images) = family.attention_probes(
        trained, gan, config, preview
    )
    z, labels = fixed_generator_inputs(16, gan.latent_dim, 3, config.seed)
    np.testing.assert_array_equal(inputs[0], z[:3])
    np.testing.assert_array_equal(inputs[1], labels[:3])  # the grid's first row: class 0
    assert images.shape == (3, 32, 32, 1) and discriminator is gan.discriminator
    assert d_inputs[0] is preview[0] and d_images is preview[0]

    family = FAMILIES["autoencoder"]
    autoencoder = zoo.create("autoencoder_none", resolution=32, channels=1, ch=8)
    config = _config("autoencoder_none", corruption="mask", resolution=32)
    trained = family.checkpoint_networks(autoencoder, {})
    assert family.attention_probes(trained, autoencoder, config, None) == []
    ((network, inputs, images),) = family.attention_probes(trained, autoencoder, config, preview)
    assert network is autoencoder and inputs.shape == (3, 32, 32, 1) and inputs is images
