"""The autoencoder family: levels, attention placement, resolutions 32..256, validation."""

import pytest

import zoo
from tests.zoo.helpers import attention_layers, predict, sample_inputs


@pytest.mark.backend_independent
@pytest.mark.parametrize(
    "resolution, sides",
    [
        (32, [32, 16, 8]),
        (40, [40, 20, 10, 5]),
        (200, [200, 100, 50, 25]),
        (256, [256, 128, 64, 32, 16, 8]),
    ],
)
def test_encoder_halves_while_even_and_above_eight(resolution, sides):
    model = zoo.create("autoencoder_none", resolution=resolution, ch=1, channels=1)
    assert model.output_shape == (None, resolution, resolution, 1)
    encoder_sides = [
        model.get_layer(f"encoder_block{i}_add").output.shape[1] for i in range(1, len(sides) + 1)
    ]
    assert encoder_sides == sides
    assert model.get_layer("encoder_latent").output.shape[1:] == (sides[-1], sides[-1], 16)


@pytest.mark.backend_independent
def test_channels_grow_to_eight_times_ch():
    model = zoo.create("autoencoder_none", resolution=256, ch=2, latent_channels=4)
    widths = [model.get_layer(f"encoder_block{i}_add").output.shape[-1] for i in range(1, 7)]
    assert widths == [2, 4, 8, 16, 16, 16]
    assert model.get_layer("encoder_latent").output.shape[-1] == 4
    decoder = [model.get_layer(f"decoder_block{i}_add").output.shape[-1] for i in range(1, 6)]
    assert decoder == [16, 16, 8, 4, 2]


@pytest.mark.backend_independent
def test_attention_at_several_resolutions_in_encoder_and_decoder():
    model = zoo.create("autoencoder_refined", resolution=64, ch=8, attention_resolutions=[16, 64])
    assert model.attention_resolutions == (64, 16)
    names = [layer.name for layer in attention_layers(model)]
    assert names == [
        "encoder_attention_64",
        "encoder_attention_16",
        "decoder_attention_16",
        "decoder_attention_64",
    ]
    for layer in attention_layers(model):
        side = int(layer.name.rsplit("_", 1)[1])
        assert layer.input.shape[1] == side
        assert not layer.spectral_norm
    assert model.get_config()["attention_resolutions"] == [64, 16]


@pytest.mark.backend_independent
def test_default_attention_resolution_and_empty_list():
    assert zoo.create("autoencoder_softmax", resolution=128, ch=8).attention_resolutions == (32,)
    assert zoo.create("autoencoder_softmax", resolution=40, ch=8).attention_resolutions == (20,)
    model = zoo.create("autoencoder_softmax", resolution=32, ch=8, attention_resolutions=())
    assert attention_layers(model) == []


def test_grayscale_reconstruction_and_defaults():
    model = zoo.create("autoencoder_refined", resolution=32, ch=8, channels=1)
    images = sample_inputs(model)
    assert predict(model, images).shape == images.shape == (2, 32, 32, 1)
    assert model.defaults == {"learning_rate": 2e-4, "beta_1": 0.9, "beta_2": 0.999}


@pytest.mark.backend_independent
@pytest.mark.parametrize(
    "overrides, fragments",
    [
        (dict(resolution=36), ["resolution=36", "multiple of 8 from 32 to 256"]),
        (dict(resolution=264), ["resolution=264", "multiple of 8 from 32 to 256"]),
        (dict(attention_resolutions=(8,)), ["attention_resolutions=8", "16, 32, 64"]),
        (dict(resolution=64, attention_resolutions=32), ["(32,)"]),
        (dict(channels=4), ["channels=4", "1, 3"]),
        (dict(resolution=32, ch=4), ["ch=4", "multiple of 8", "32×32"]),
        (dict(ch=0), ["ch=0"]),
        (dict(latent_channels=0), ["latent_channels=0"]),
    ],
)
def test_invalid_arguments_say_what_is_allowed(overrides, fragments):
    with pytest.raises(ValueError) as error:
        zoo.create("autoencoder_refined", **overrides)
    for fragment in fragments:
        assert fragment in str(error.value)
