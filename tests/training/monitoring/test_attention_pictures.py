"""Attention pictures: what each attention layer of a model attends to, as images."""

import keras
import numpy as np

from keras_refined_sa.layers import RefinedSelfAttention
from keras_refined_sa.layers import SelfAttention
from training.monitoring import attention_pictures


def two_attention_model():
    inputs = keras.Input((16, 16, 3))
    features = keras.layers.Conv2D(16, 3, padding="same")(inputs)
    features = SelfAttention(pool_key_value=True, name="softmax_block")(features)
    features = RefinedSelfAttention(name="refined_block")(features)
    return keras.Model(inputs, keras.layers.Conv2D(3, 1)(features))


def test_probe_finds_every_attention_layer_and_returns_its_attention():
    model = two_attention_model()
    probe = attention_pictures.AttentionProbe(model)
    images = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    results = probe(images)
    assert [layer.name for layer, _, _ in results] == ["softmax_block", "refined_block"]
    (_, softmax_map, softmax_shape), (_, matrix, refined_shape) = results
    # 256 query pixels over 64 pooled keys; rows are distributions.
    assert softmax_map.shape == (2, 256, 64) and softmax_shape == (16, 16)
    np.testing.assert_allclose(softmax_map.sum(axis=-1), 1.0, rtol=1e-5)
    # C_k = 16 // 8, C_v = 16 // 2.
    assert matrix.shape == (2, 2, 8) and refined_shape == (16, 16)
    for layer, attention, shape in results:
        picture = attention_pictures.attention_picture(layer, attention, shape, images)
        assert picture.dtype == np.uint8 and picture.shape[-1] == 3


def test_softmax_picture_lights_up_the_attended_pixel():
    # Every query attends only to key (2, 5) of an 8×8 map.
    attention = np.zeros((1, 64, 64), np.float32)
    attention[:, :, 2 * 8 + 5] = 1.0
    images = np.zeros((1, 32, 32, 1), np.float32)
    picture = attention_pictures.softmax_attention_picture(attention, (8, 8), images, rows=1)
    side = 96  # 32 px enlarged three times to reach 96
    assert picture.shape == (side, 5 * side + 4 * 2, 3)
    first_heatmap = picture[:, side + 2 : 2 * side + 2, 1].astype(float)
    cell = side // 8
    attended = first_heatmap[2 * cell + 2 : 3 * cell - 2, 5 * cell + 2 : 6 * cell - 2]
    outside = np.delete(first_heatmap, np.s_[2 * cell : 3 * cell], axis=0)
    assert attended.min() > 150  # viridis' yellow
    assert np.median(outside) < 60  # viridis' purple


def test_channel_picture_colours_the_sign_of_each_entry():
    matrix = np.array([[[1.0, -1.0, 0.0], [0.5, 0.0, -0.5]]], np.float32)
    picture = attention_pictures.channel_attention_picture(matrix)
    cell = 48  # a 2×3 matrix enlarged to 96 px on its short side
    assert picture.shape == (2 * cell, 3 * cell, 3)
    positive, negative = picture[cell // 2, cell // 2], picture[cell // 2, cell + cell // 2]
    assert positive[0] > positive[2] and negative[2] > negative[0]


def test_models_without_attention_have_no_pictures():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 1)])
    assert attention_pictures.AttentionProbe(model)(np.zeros((1, 8, 8, 1), "float32")) == []
