"""`attention_rows`: where chosen query pixels look, in any form, without forming n×m."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers import (
    BaseSelfAttention,
    EfficientSelfAttention,
    RefinedSelfAttention,
    SelfAttention,
)
from tests.layers.attention_reference import attention_map, projected

LAYERS = {
    "softmax": SelfAttention,
    "refined": RefinedSelfAttention,
    "efficient": EfficientSelfAttention,
}
# Corners, an edge and the inside of a 10×6 map, in an order that is not the flat order.
PIXELS = [(9, 5), (0, 0), (4, 3), (0, 5), (7, 0)]


def images(shape=(2, 10, 6, 16), seed=0):
    return (2.0 * np.random.default_rng(seed).normal(size=shape)).astype("float32")


def built(form, x, pool, **kwargs):
    initializer = keras.initializers.HeNormal(seed=1)
    layer = LAYERS[form](pool_key_value=pool, kernel_initializer=initializer, **kwargs)
    layer.build(x.shape)
    return layer


def flat(pixels, width):
    return [row * width + column for row, column in pixels]


def rows_of(layer, x, pixels=PIXELS, **kwargs):
    rows = layer.attention_rows(x, pixels, **kwargs)
    assert ops.convert_to_numpy(rows).dtype == np.float32
    return ops.convert_to_numpy(rows)


@pytest.mark.parametrize("pool", [False, True])
def test_refined_rows_are_rows_of_the_quadratic_dot_product_map(pool):
    x = images()
    layer = built("refined", x, pool)
    rows = rows_of(layer, x)
    key_grid = (5, 3) if pool else (10, 6)
    assert rows.shape == (2, len(PIXELS), *key_grid)
    q, k, _ = (t.astype("float32") for t in projected(layer, x))
    affinity = ops.convert_to_numpy(attention_ops.dot_product_attention_map(q, k))
    expected = affinity[:, flat(PIXELS, 6)].reshape(rows.shape)
    np.testing.assert_allclose(rows, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert rows.min() < 0 < rows.max()  # the refined map is signed


@pytest.mark.parametrize("pool", [False, True])
def test_softmax_rows_are_rows_of_the_returned_map(pool):
    x = images()
    layer = built("softmax", x, pool)
    _, attention = layer(x, return_attention=True)
    expected = ops.convert_to_numpy(attention)[:, flat(PIXELS, 6)]
    rows = rows_of(layer, x)
    np.testing.assert_allclose(rows.reshape(expected.shape), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pool", [False, True])
def test_efficient_rows_are_rows_of_the_reference_map_and_sum_to_one(pool):
    x = images()
    layer = built("efficient", x, pool)
    rows = rows_of(layer, x)
    q, k, _ = projected(layer, x)
    expected = attention_map(q, k, "efficient")[:, flat(PIXELS, 6)]
    np.testing.assert_allclose(rows.reshape(expected.shape), expected, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(rows.sum(axis=(2, 3)), 1.0, rtol=1e-5)


@pytest.mark.parametrize("own", sorted(LAYERS))
@pytest.mark.parametrize("form", sorted(LAYERS))
def test_any_layer_gives_the_rows_of_any_form_for_its_weights(own, form):
    x = images()
    layer = built(own, x, pool=True, spectral_norm=True)
    other = built(form, x, pool=True, spectral_norm=True)
    other.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        rows_of(layer, x, form=form), rows_of(other, x), rtol=1e-5, atol=1e-6
    )
    assert layer.attention_form == own


def test_forms_differ_for_the_same_weights():
    x = images()
    layer = built("softmax", x, pool=False)
    softmax, refined, efficient = (rows_of(layer, x, form=f) for f in LAYERS)
    assert np.abs(softmax - refined).max() > 1e-2
    assert np.abs(softmax - efficient).max() > 1e-2


def test_an_unbuilt_layer_is_built_by_attention_rows():
    rows = RefinedSelfAttention().attention_rows(images(), [(1, 1)])
    assert tuple(rows.shape) == (2, 1, 10, 6)


@pytest.mark.parametrize(
    "pixels, message",
    [
        ([(10, 0)], r"\(10, 0\) lies outside the 10×6 .*rows 0..9, columns 0..5"),
        ([(0, 6)], r"\(0, 6\) lies outside the 10×6"),
        ([(1, 1), (-1, 2)], r"\(-1, 2\) lies outside"),
        ([], r"non-empty list.*query_pixels=\[\]"),
        ((3, 4), r"\(row, column\) pair of integers. Received: 3"),
        ([(1, 2, 3)], r"pair of integers. Received: \(1, 2, 3\)"),
        ([(1.5, 2)], r"pair of integers. Received: \(1.5, 2\)"),
    ],
)
def test_invalid_query_pixels_raise(pixels, message):
    layer = built("refined", images(), pool=False)
    with pytest.raises(ValueError, match=message):
        layer.attention_rows(images(), pixels)


@pytest.mark.parametrize("shape", [(2, 60, 16), (1, 2, 10, 6, 16)])
def test_inputs_other_than_4d_raise(shape):
    layer = built("refined", images(), pool=False)
    with pytest.raises(ValueError, match=r"expects a 4D input.*Received: input_shape"):
        layer.attention_rows(np.zeros(shape, "float32"), [(0, 0)])


def test_unknown_form_raises():
    with pytest.raises(ValueError, match=r"`form` must be one of .*Received: form='linear'"):
        built("refined", images(), pool=False).attention_rows(images(), [(0, 0)], form="linear")


def test_a_layer_without_a_map_of_its_own_needs_a_form():
    class NoMap(BaseSelfAttention):
        def attend(self, query, key, value):
            return value, None

    layer = NoMap()
    with pytest.raises(ValueError, match=r"NoMap has no attention map of its own"):
        layer.attention_rows(images(), [(0, 0)])
    assert tuple(layer.attention_rows(images(), [(0, 0)], form="softmax").shape) == (2, 1, 10, 6)
