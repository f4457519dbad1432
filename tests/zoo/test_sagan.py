"""The SAGAN family: BigGAN's architecture tables, attention placement, conditioning, validation."""

import keras
import numpy as np
import pytest

import zoo
from keras_refined_sa.layers import ConditionalBatchNormalization
from tests.zoo.helpers import attention_layers, predict, sample_inputs

# BigGAN's tables (arXiv 1809.11096, appendix B; BigGAN-PyTorch arch[]): (side, multiplier of ch)
# after each block; the generator starts from a 4×4 map with GENERATOR_BOTTOM[resolution]·ch.
GENERATOR_BOTTOM = {32: 4, 64: 16, 128: 16, 256: 16}
GENERATOR_BLOCKS = {
    32: [(8, 4), (16, 4), (32, 4)],
    64: [(8, 16), (16, 8), (32, 4), (64, 2)],
    128: [(8, 16), (16, 8), (32, 4), (64, 2), (128, 1)],
    256: [(8, 16), (16, 8), (32, 8), (64, 4), (128, 2), (256, 1)],
}
DISCRIMINATOR_BLOCKS = {
    32: [(16, 4), (8, 4), (8, 4), (8, 4)],
    64: [(32, 1), (16, 2), (8, 4), (4, 8), (4, 16)],
    128: [(64, 1), (32, 2), (16, 4), (8, 8), (4, 16), (4, 16)],
    256: [(128, 1), (64, 2), (32, 4), (16, 8), (8, 8), (4, 16), (4, 16)],
}


def block_outputs(network, prefix):
    shapes, index = [], 1
    while f"{prefix}_block{index}_add" in [layer.name for layer in network.layers]:
        shape = network.get_layer(f"{prefix}_block{index}_add").output.shape
        assert shape[1] == shape[2]
        shapes.append((shape[1], shape[3]))
        index += 1
    return shapes


@pytest.mark.backend_independent
@pytest.mark.parametrize("resolution", [32, 64, 128, 256])
def test_block_widths_follow_the_biggan_tables(resolution):
    ch = 2
    gan = zoo.create("sagan_none", resolution=resolution, ch=ch)
    bottom = gan.generator.get_layer("g_reshape").output.shape
    assert tuple(bottom[1:]) == (4, 4, GENERATOR_BOTTOM[resolution] * ch)
    expected_g = [(side, m * ch) for side, m in GENERATOR_BLOCKS[resolution]]
    expected_d = [(side, m * ch) for side, m in DISCRIMINATOR_BLOCKS[resolution]]
    assert block_outputs(gan.generator, "g") == expected_g
    assert block_outputs(gan.discriminator, "d") == expected_d


@pytest.mark.backend_independent
@pytest.mark.parametrize(
    "resolution, attention_resolution, after_g, after_d",
    [
        (32, None, "g_block2", "d_block1"),
        (128, None, "g_block3", "d_block2"),
        (64, 8, "g_block1", "d_block3"),
    ],
)
def test_attention_follows_the_block_reaching_its_resolution(
    resolution, attention_resolution, after_g, after_d
):
    gan = zoo.create(
        "sagan_refined", resolution=resolution, ch=8, attention_resolution=attention_resolution
    )
    expected = attention_resolution or (16 if resolution == 32 else 32)
    assert gan.attention_resolution == expected
    for network, layer_name, after in (
        (gan.generator, "g_attention", after_g),
        (gan.discriminator, "d_attention", after_d),
    ):
        attention = network.get_layer(layer_name)
        assert attention.input is network.get_layer(f"{after}_add").output
        assert attention.input.shape[1] == expected
        assert attention.spectral_norm and attention.pool_key_value


@pytest.mark.backend_independent
def test_pool_key_value_is_a_family_argument():
    gan = zoo.create("sagan_softmax", resolution=32, ch=8, pool_key_value=False)
    assert not gan.generator.get_layer("g_attention").pool_key_value
    assert not gan.discriminator.get_layer("d_attention").pool_key_value


def test_conditional_pair_takes_labels_and_uses_them():
    gan = zoo.create("sagan_refined", resolution=32, ch=8, num_classes=3)
    generator, discriminator = gan.generator, gan.discriminator
    assert [tensor.name for tensor in generator.inputs] == ["z", "labels"]
    assert [tensor.name for tensor in discriminator.inputs] == ["images", "labels"]
    norms = [layer for layer in generator.layers if "_bn" in layer.name]
    conditional = [layer for layer in norms if isinstance(layer, ConditionalBatchNormalization)]
    # Every block norm is conditional; the output block's is plain, as in SAGAN and BigGAN.
    assert [layer.name for layer in norms if layer not in conditional] == ["g_output_bn"]
    assert len(conditional) == 6
    # Class embeddings start equal (γ = 1, β = 0): give class 1 its own offset.
    beta = generator.get_layer("g_block1_bn1").beta
    beta.assign(np.eye(3, beta.shape[1], k=0, dtype="float32") * 3.0)
    z = np.repeat(np.random.default_rng(0).normal(size=(1, 128)).astype("float32"), 2, axis=0)
    images = predict(generator, [z, np.array([0, 2], dtype="int32")])
    assert images.shape == (2, 32, 32, 3)
    assert np.abs(images[0] - images[1]).max() > 1e-4
    same_images = np.repeat(images[:1], 2, axis=0)
    logits = predict(discriminator, [same_images, np.array([0, 1], dtype="int32")])
    assert logits.shape == (2, 1) and abs(logits[0, 0] - logits[1, 0]) > 1e-6


def test_conditional_pair_takes_a_compiled_training_step():
    gan = zoo.create("sagan_refined", resolution=32, ch=8, num_classes=3)
    for network in (gan.generator, gan.discriminator):
        # At γ = 0 the attention projections get no gradient.
        attention_layers(network)[0].gamma.assign(0.5)
        network.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")
        inputs = sample_inputs(network)
        target = np.zeros(network.output_shape[1:], dtype="float32")[None].repeat(2, axis=0)
        before = [keras.ops.convert_to_numpy(w) for w in network.trainable_weights]
        loss = float(keras.ops.convert_to_numpy(network.train_on_batch(inputs, target)))
        assert np.isfinite(loss)
        unmoved = [
            weight.path
            for weight, old in zip(network.trainable_weights, before)
            if np.array_equal(keras.ops.convert_to_numpy(weight), old)
        ]
        assert unmoved == []


@pytest.mark.backend_independent
def test_pair_attributes_defaults_and_config_round_trip():
    gan = zoo.create("sagan_softmax", resolution=32, ch=8, channels=1, latent_dim=16)
    assert (gan.family, gan.attention) == ("sagan", "softmax")
    assert (gan.latent_dim, gan.num_classes) == (16, 0)
    assert gan.generator.input_shape == (None, 16)
    assert gan.generator.output_shape == (None, 32, 32, 1)
    assert gan.discriminator.input_shape == (None, 32, 32, 1)
    assert gan.defaults == {
        "g_learning_rate": 1e-4,
        "d_learning_rate": 4e-4,
        "beta_1": 0.0,
        "beta_2": 0.9,
        "n_disc": 1,
    }
    gan.defaults["n_disc"] = 5
    assert gan.defaults["n_disc"] == 1
    config = gan.get_config()
    rebuilt = zoo.SAGAN.from_config(config)
    assert rebuilt.get_config() == config
    assert rebuilt.generator.count_params() == gan.generator.count_params()
    assert rebuilt.discriminator.count_params() == gan.discriminator.count_params()
    assert "attention='softmax'" in repr(gan)


def test_sync_batch_norm_reaches_every_generator_batch_norm():
    if keras.backend.backend() != "tensorflow":
        with pytest.raises(ValueError, match="synchronized"):
            zoo.create("sagan_none", resolution=32, ch=2, sync_batch_norm=True)
        return
    gan = zoo.create("sagan_none", resolution=32, ch=2, num_classes=2, sync_batch_norm=True)
    norms = [layer for layer in gan.generator.layers if "_bn" in layer.name]
    assert len(norms) == 7
    assert all(layer.synchronized for layer in norms)


def test_attention_none_accepts_any_width():
    gan = zoo.create("sagan_none", resolution=32, ch=3)
    assert predict(gan.discriminator, sample_inputs(gan.discriminator)).shape == (2, 1)


@pytest.mark.backend_independent
@pytest.mark.parametrize(
    "overrides, fragments",
    [
        (dict(resolution=48), ["resolution=48", "32, 64, 128, 256"]),
        (dict(resolution=64, attention_resolution=64), ["attention_resolution=64", "8, 16, 32"]),
        (dict(resolution=32, attention_resolution=32), ["attention_resolution=32", "8, 16"]),
        (dict(ch=0), ["ch=0", "at least 1"]),
        (dict(resolution=128, ch=6), ["ch=6", "multiple of 4", "discriminator at 32×32"]),
        (dict(resolution=32, ch=3), ["ch=3", "multiple of 2"]),
        (dict(channels=2), ["channels=2", "1, 3"]),
        (dict(num_classes=-1), ["num_classes=-1", "at least 0"]),
        (dict(latent_dim=0), ["latent_dim=0"]),
    ],
)
def test_invalid_arguments_say_what_is_allowed(overrides, fragments):
    with pytest.raises(ValueError) as error:
        zoo.create("sagan_refined", **overrides)
    for fragment in fragments:
        assert fragment in str(error.value)


@pytest.mark.backend_independent
def test_a_network_built_alone_checks_only_its_own_resolutions():
    generator = zoo.SAGANGenerator(resolution=32, ch=2, attention_resolution=32)
    assert generator.get_layer("g_attention").input.shape[1] == 32
    with pytest.raises(ValueError, match="the discriminator reaches: 8, 16"):
        zoo.SAGANDiscriminator(resolution=32, ch=2, attention_resolution=32)
