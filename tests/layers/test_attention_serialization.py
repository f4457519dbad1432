"""Configs, `.keras` round trips, and weights moving between the softmax, refined and efficient
layers."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_refined_sa import convert_attention
from keras_refined_sa.layers import EfficientSelfAttention, RefinedSelfAttention, SelfAttention
from tests.layers.attention_reference import attention_block

LAYERS = [SelfAttention, RefinedSelfAttention, EfficientSelfAttention]
# The normalisation of each form's numpy reference (attention_reference.attention_map).
NORMALISATIONS = {"softmax": "softmax", "refined": "dot_product", "efficient": "efficient"}
CLASSES = dict(zip(("softmax", "refined", "efficient"), LAYERS))

CONFIGURED = dict(
    key_channels=4,
    value_channels=8,
    pool_key_value=True,
    spectral_norm=True,
    use_bias=True,
    kernel_initializer="he_normal",
    gamma_initializer=keras.initializers.Constant(0.3),
    name="attention",
)


def images(shape=(2, 8, 8, 16), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def single_layer_model(layer):
    inputs = keras.Input((None, None, 16))
    return keras.Model(inputs, layer(inputs))


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
def test_get_config_round_trip(layer_class):
    layer = layer_class(**CONFIGURED)
    config = layer.get_config()
    for key in ("key_channels", "value_channels", "pool_key_value", "spectral_norm", "use_bias"):
        assert config[key] == CONFIGURED[key]
    restored = layer_class.from_config(config)
    assert restored.get_config() == config


@pytest.mark.backend_independent
def test_fused_flag_is_serialized():
    assert SelfAttention.from_config(SelfAttention(fused=True).get_config()).fused


@pytest.mark.parametrize("layer_class", LAYERS)
def test_keras_file_round_trip_gives_identical_outputs(layer_class, tmp_path):
    model = single_layer_model(layer_class(**CONFIGURED))
    model.layers[-1].gamma.assign(0.8)
    x = images()
    expected = ops.convert_to_numpy(model(x))
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored.layers[-1]) is layer_class
    np.testing.assert_array_equal(ops.convert_to_numpy(restored(x)), expected)


def test_set_weights_moves_softmax_weights_into_refined_layer():
    softmax_model = single_layer_model(SelfAttention(**CONFIGURED))
    softmax_model.layers[-1].gamma.assign(0.8)
    refined_model = single_layer_model(RefinedSelfAttention(**CONFIGURED))
    refined_model.set_weights(softmax_model.get_weights())
    x = images()
    refined = ops.convert_to_numpy(refined_model(x))
    expected = attention_block(refined_model.layers[-1], x, "dot_product")
    np.testing.assert_allclose(refined, expected, rtol=1e-4, atol=1e-5)
    assert np.abs(refined - ops.convert_to_numpy(softmax_model(x))).max() > 1e-3


def test_weights_move_softmax_to_efficient_to_refined_and_each_computes_its_own_form():
    forms = ("softmax", "efficient", "refined")
    models = [single_layer_model(CLASSES[form](**CONFIGURED)) for form in forms]
    models[0].layers[-1].gamma.assign(0.8)
    x = images()
    models[0](x, training=True)  # moves the spectral-norm vectors away from their initial values
    for source, target in zip(models, models[1:]):
        target.set_weights(source.get_weights())
    for model, form in zip(models, forms):
        for variable, original in zip(model.weights, models[0].weights):
            assert variable.path.split("/")[-1] == original.path.split("/")[-1]
            np.testing.assert_array_equal(
                ops.convert_to_numpy(variable), ops.convert_to_numpy(original)
            )
        expected = attention_block(model.layers[-1], x, NORMALISATIONS[form])
        np.testing.assert_allclose(
            ops.convert_to_numpy(model(x)), expected, rtol=1e-4, atol=1e-5
        )


def small_network(attention_layer):
    inputs = keras.Input((8, 8, 3))
    features = keras.layers.Conv2D(16, 3, padding="same", name="stem")(inputs)
    features = attention_layer(features)
    return keras.Model(inputs, keras.layers.Conv2D(3, 1, name="head")(features))


@pytest.mark.parametrize(
    "source,target",
    [
        (SelfAttention, "refined"),
        (RefinedSelfAttention, "softmax"),
        (SelfAttention, "efficient"),
        (EfficientSelfAttention, "refined"),
    ],
)
def test_weights_file_of_one_form_fine_tunes_as_the_other(source, target, tmp_path):
    trained = small_network(source(**CONFIGURED))
    trained.get_layer("attention").gamma.assign(0.8)
    path = tmp_path / "trained.weights.h5"
    trained.save_weights(path)

    reloaded = small_network(source(**CONFIGURED))
    reloaded.load_weights(path)
    converted = convert_attention(reloaded, target)

    assert type(converted.get_layer("attention")) is CLASSES[target]
    for original, copied in zip(trained.weights, converted.weights):
        np.testing.assert_array_equal(ops.convert_to_numpy(original), ops.convert_to_numpy(copied))
    x = images((2, 8, 8, 3))
    stem = ops.convert_to_numpy(converted.get_layer("stem")(x))
    attended = attention_block(converted.get_layer("attention"), stem, NORMALISATIONS[target])
    expected = ops.convert_to_numpy(converted.get_layer("head")(attended.astype("float32")))
    np.testing.assert_allclose(ops.convert_to_numpy(converted(x)), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.backend_independent
def test_convert_attention_rejects_unknown_forms():
    with pytest.raises(
        ValueError, match=r"one of \['efficient', 'refined', 'softmax'\].*attention='linear'"
    ):
        convert_attention(small_network(SelfAttention()), "linear")
