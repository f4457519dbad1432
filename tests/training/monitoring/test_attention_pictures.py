"""Attention pictures: where each attention layer of a model looks, as images."""

import keras
import numpy as np
import pytest

from keras_refined_sa.layers import EfficientSelfAttention, RefinedSelfAttention, SelfAttention
from training.monitoring import attention_pictures

# 3 examples, each two lines (own form, compared form) of the image and four heatmaps, 96 px.
_SIDE = 96
_PICTURE_SHAPE = (3 * (2 * _SIDE + 2) + 2 * 8, 5 * _SIDE + 4 * 2, 3)


def three_attention_model():
    inputs = keras.Input((16, 16, 3))
    features = keras.layers.Conv2D(16, 3, padding="same")(inputs)
    features = SelfAttention(pool_key_value=True, name="softmax_block")(features)
    features = RefinedSelfAttention(name="refined_block")(features)
    features = EfficientSelfAttention(pool_key_value=True, name="efficient_block")(features)
    return keras.Model(inputs, keras.layers.Conv2D(3, 1)(features))


def random_images(shape=(4, 16, 16, 3)):
    return np.random.default_rng(0).uniform(-1, 1, shape).astype("float32")


def test_probe_finds_every_attention_layer_and_returns_its_features():
    model = three_attention_model()
    results = attention_pictures.AttentionProbe(model)(random_images())
    names = [layer.name for layer, _ in results]
    assert names == ["softmax_block", "refined_block", "efficient_block"]
    for _, features in results:
        assert isinstance(features, np.ndarray) and features.shape == (4, 16, 16, 16)


def test_every_kind_gets_a_picture_of_its_own_rows_and_the_compared_forms():
    model = three_attention_model()
    images = random_images()
    expected_forms = {
        "softmax_block": ["softmax", "refined"],
        "refined_block": ["refined", "softmax"],
        "efficient_block": ["efficient", "softmax"],
    }
    for layer, features in attention_pictures.AttentionProbe(model)(images):
        rows = attention_pictures.picture_rows(layer, features)
        assert list(rows) == expected_forms[layer.name]
        key_grid = (16, 16) if isinstance(layer, RefinedSelfAttention) else (8, 8)
        for weights in rows.values():
            assert weights.shape == (4, 4, *key_grid) and weights.dtype == np.float32
        picture = attention_pictures.attention_picture(layer, features, images)
        assert picture.dtype == np.uint8 and picture.shape == _PICTURE_SHAPE


@pytest.mark.parametrize(
    "layer_class", [SelfAttention, RefinedSelfAttention, EfficientSelfAttention]
)
def test_picture_rows_are_the_layers_rows_at_the_quadrant_centres(layer_class):
    features = random_images((2, 8, 12, 16))
    layer = layer_class(pool_key_value=True)
    layer.build(features.shape)
    rows = attention_pictures.picture_rows(layer, features)
    pixels = [(2, 3), (2, 9), (6, 3), (6, 9)]
    assert attention_pictures.query_pixels((8, 12)) == pixels
    for form, weights in rows.items():
        expected = keras.ops.convert_to_numpy(layer.attention_rows(features, pixels, form=form))
        np.testing.assert_array_equal(weights, expected)
    own, compared = rows.values()
    assert np.abs(own - compared).max() > 1e-3


def test_a_distribution_lights_up_the_attended_pixel():
    # Every query attends only to key (2, 5) of an 8×8 map.
    weights = np.zeros((1, 4, 8, 8), np.float32)
    weights[:, :, 2, 5] = 1.0
    images = np.zeros((1, 32, 32, 1), np.float32)
    picture = attention_pictures.rows_picture({"softmax": weights}, (8, 8), images, rows=1)
    assert picture.shape == (_SIDE, 5 * _SIDE + 4 * 2, 3)  # 32 px enlarged three times
    first_heatmap = picture[:, _SIDE + 2 : 2 * _SIDE + 2, 1].astype(float)
    cell = _SIDE // 8
    attended = first_heatmap[2 * cell + 2 : 3 * cell - 2, 5 * cell + 2 : 6 * cell - 2]
    outside = np.delete(first_heatmap, np.s_[2 * cell : 3 * cell], axis=0)
    assert attended.min() > 150  # viridis' yellow
    assert np.median(outside) < 60  # viridis' purple


def test_signed_refined_weights_are_coloured_by_sign():
    weights = np.zeros((1, 4, 8, 8), np.float32)
    weights[:, :, 0, 0], weights[:, :, 7, 7] = 1.0, -1.0
    images = np.zeros((1, 32, 32, 3), np.float32)
    picture = attention_pictures.rows_picture({"refined": weights}, (8, 8), images, rows=1)
    heatmap = picture[:, _SIDE + 2 : 2 * _SIDE + 2].astype(float)
    # Corner cells, away from the query marks at the quadrant centres.
    positive, negative, zero = heatmap[6, 6], heatmap[_SIDE - 6, _SIDE - 6], heatmap[6, _SIDE - 6]
    assert positive[0] > positive[2] + 50 and negative[2] > negative[0] + 50
    assert abs(zero[0] - zero[2]) < 30  # coolwarm's grey middle


def test_models_without_attention_have_no_pictures():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 1)])
    assert attention_pictures.AttentionProbe(model)(np.zeros((1, 8, 8, 1), "float32")) == []
