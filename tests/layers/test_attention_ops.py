"""The attention maths: refined == quadratic 1/n form, softmax == a numpy reference."""

import numpy as np
import pytest
from keras import ops

from keras_refined_sa import ops as attention_ops
from tests.backend_utils import assert_relative_close, input_gradients

# (batch, query positions n, key positions m, key channels, value channels)
SHAPES = [(2, 64, 64, 8, 32), (1, 256, 64, 4, 16), (3, 48, 12, 16, 8), (2, 1024, 1024, 8, 32)]


def random_qkv(batch, n, m, key_channels, value_channels, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(batch, n, key_channels)).astype("float32"),
        rng.normal(size=(batch, m, key_channels)).astype("float32"),
        rng.normal(size=(batch, m, value_channels)).astype("float32"),
    )


def numpy_softmax_attention(q, k, v):
    logits = q @ k.transpose(0, 2, 1)
    logits -= logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v


@pytest.mark.parametrize("shape", SHAPES)
def test_refined_equals_quadratic_dot_product_form(shape):
    q, k, v = random_qkv(*shape)
    refined = ops.convert_to_numpy(attention_ops.refined_attention(q, k, v))
    quadratic = ops.convert_to_numpy(attention_ops.dot_product_attention(q, k, v))
    assert_relative_close(refined, quadratic, 1e-5)
    # And both equal the definition (q kᵀ / m) v evaluated in float64.
    q64, k64, v64 = (t.astype("float64") for t in (q, k, v))
    assert_relative_close(refined, (q64 @ k64.transpose(0, 2, 1) / shape[2]) @ v64, 1e-5)


@pytest.mark.parametrize("shape", SHAPES[:3])
def test_refined_gradients_equal_quadratic_gradients(shape):
    q, k, v = random_qkv(*shape)
    cotangent = np.random.default_rng(1).normal(size=(shape[0], shape[1], shape[4]))
    cotangent = cotangent.astype("float32")

    def weighted(attention):
        return lambda q, k, v: attention(q, k, v) * ops.convert_to_tensor(cotangent)

    refined = input_gradients(weighted(attention_ops.refined_attention), q, k, v)
    quadratic = input_gradients(weighted(attention_ops.dot_product_attention), q, k, v)
    for refined_grad, quadratic_grad in zip(refined, quadratic):
        assert np.abs(quadratic_grad).max() > 0
        assert_relative_close(refined_grad, quadratic_grad, 1e-5)


@pytest.mark.parametrize("shape", [SHAPES[1], SHAPES[2]])
def test_refined_outputs_and_gradients_match_a_float64_reference(shape):
    """Independent of the project's normaliser: the derivative of sum(c ⊙ q kᵀ v / m), n ≠ m."""
    q, k, v = random_qkv(*shape)
    m = shape[2]
    cotangent = np.random.default_rng(2).normal(size=(shape[0], shape[1], shape[4]))
    q64, k64, v64 = (t.astype("float64") for t in (q, k, v))
    context = k64.transpose(0, 2, 1) @ v64 / m  # (batch, C_k, C_v)
    upstream = q64.transpose(0, 2, 1) @ cotangent  # d sum / d context
    expected = [
        cotangent @ context.transpose(0, 2, 1),
        v64 @ upstream.transpose(0, 2, 1) / m,
        k64 @ upstream / m,
    ]
    outputs = ops.convert_to_numpy(attention_ops.refined_attention(q, k, v))
    assert_relative_close(outputs, q64 @ context, 1e-5)
    gradients = input_gradients(
        lambda q, k, v: attention_ops.refined_attention(q, k, v)
        * ops.convert_to_tensor(cotangent.astype("float32")),
        q,
        k,
        v,
    )
    for gradient, reference in zip(gradients, expected):
        assert_relative_close(gradient, reference, 1e-5)


def test_refined_differs_from_softmax():
    """Equal to the 1/n form, not to softmax: guards against testing a form against itself."""
    q, k, v = random_qkv(*SHAPES[0])
    refined = ops.convert_to_numpy(attention_ops.refined_attention(q, k, v))
    softmax = ops.convert_to_numpy(attention_ops.softmax_attention(q, k, v))
    assert np.abs(refined - softmax).max() > 0.1


@pytest.mark.parametrize("shape", SHAPES[:3])
def test_softmax_attention_matches_numpy_reference(shape):
    q, k, v = random_qkv(*shape)
    actual = ops.convert_to_numpy(attention_ops.softmax_attention(q, k, v))
    np.testing.assert_allclose(actual, numpy_softmax_attention(q, k, v), rtol=1e-4, atol=1e-5)


def test_softmax_attention_map_rows_are_distributions():
    q, k, _ = random_qkv(*SHAPES[1])
    weights = ops.convert_to_numpy(attention_ops.softmax_attention_map(q, k))
    assert weights.shape == (1, 256, 64)
    assert weights.min() >= 0
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("key_channels,value_channels", [(4, 16), (16, 8), (8, 8)])
def test_fused_softmax_attention_matches_numpy_reference(key_channels, value_channels):
    q, k, v = random_qkv(2, 64, 16, key_channels, value_channels)
    actual = ops.convert_to_numpy(attention_ops.fused_softmax_attention(q, k, v))
    assert actual.shape == (2, 64, value_channels)
    np.testing.assert_allclose(actual, numpy_softmax_attention(q, k, v), rtol=1e-4, atol=1e-5)


def test_channel_attention_accumulates_in_float32():
    """A float16 sum over n = 16,384 positions overflows; the channel attention must not."""
    rng = np.random.default_rng(2)
    key = (60 + rng.normal(size=(1, 128 * 128, 2))).astype("float16")
    value = (60 + rng.normal(size=(1, 128 * 128, 4))).astype("float16")
    naive_sum = ops.convert_to_numpy(ops.matmul(ops.transpose(key, (0, 2, 1)), value))
    assert np.isinf(naive_sum).all(), "the test input must overflow a float16 accumulation"

    context = attention_ops.channel_attention(key, value)
    assert ops.convert_to_numpy(context).dtype == np.float32
    expected = key.astype("float64").transpose(0, 2, 1) @ value.astype("float64") / 128**2
    assert_relative_close(ops.convert_to_numpy(context), expected, 1e-5)


def test_refined_attention_keeps_query_dtype():
    q, k, v = (t.astype("float16") for t in random_qkv(*SHAPES[0]))
    output = attention_ops.refined_attention(q, k, v)
    assert ops.convert_to_numpy(output).dtype == np.float16
