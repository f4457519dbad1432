"""Efficient attention (Shen et al.): the maths and the layer against float64 numpy references."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers import EfficientSelfAttention
from tests.backend_utils import assert_relative_close, input_gradients
from tests.layers.attention_reference import attention_block, projected, softmax

# (batch, query positions n, key positions m, key channels, value channels)
SHAPES = [(2, 64, 64, 8, 32), (1, 256, 64, 4, 16), (3, 48, 12, 16, 8)]


def random_qkv(batch, n, m, key_channels, value_channels, seed=0, scale=3.0):
    # Scaled so that the softmaxes are far from uniform: a wrong axis changes the result.
    rng = np.random.default_rng(seed)
    shapes = ((batch, n, key_channels), (batch, m, key_channels), (batch, m, value_channels))
    return tuple((scale * rng.normal(size=shape)).astype("float32") for shape in shapes)


def reference_context(k, v):
    """`softmax over the m positions(k)ᵀ v` in float64, written from the paper."""
    return softmax(k.astype("float64"), axis=1).transpose(0, 2, 1) @ v.astype("float64")


def reference_attention(q, k, v):
    """`softmax over the channels(q) · context` in float64."""
    return softmax(q.astype("float64"), axis=-1) @ reference_context(k, v)


@pytest.mark.parametrize("shape", SHAPES)
def test_efficient_attention_and_context_match_the_float64_reference(shape):
    q, k, v = random_qkv(*shape)
    context = attention_ops.efficient_context(k, v)
    assert ops.convert_to_numpy(context).dtype == np.float32
    assert_relative_close(ops.convert_to_numpy(context), reference_context(k, v), 1e-5)
    outputs = ops.convert_to_numpy(attention_ops.efficient_attention(q, k, v))
    assert_relative_close(outputs, reference_attention(q, k, v), 1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_efficient_map_rows_are_distributions_and_map_times_v_is_the_attention(shape):
    q, k, v = random_qkv(*shape)
    weights = ops.convert_to_numpy(attention_ops.efficient_attention_map(q, k))
    assert weights.shape == shape[:3] and weights.min() >= 0
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)
    expected = softmax(q.astype("float64"), -1) @ softmax(k.astype("float64"), 1).transpose(0, 2, 1)
    assert_relative_close(weights, expected, 1e-5)
    outputs = ops.convert_to_numpy(attention_ops.efficient_attention(q, k, v))
    assert_relative_close(outputs, weights.astype("float64") @ v, 1e-5)


@pytest.mark.parametrize("shape", SHAPES[1:])
def test_efficient_gradients_equal_those_of_the_quadratic_order(shape):
    q, k, v = random_qkv(*shape)
    cotangent = np.random.default_rng(1).normal(size=(shape[0], shape[1], shape[4]))
    cotangent = ops.convert_to_tensor(cotangent.astype("float32"))

    def quadratic(q, k, v):
        return ops.matmul(attention_ops.efficient_attention_map(q, k), v) * cotangent

    def linear(q, k, v):
        return attention_ops.efficient_attention(q, k, v) * cotangent

    for linear_grad, quadratic_grad in zip(
        input_gradients(linear, q, k, v), input_gradients(quadratic, q, k, v)
    ):
        assert np.abs(quadratic_grad).max() > 0
        assert_relative_close(linear_grad, quadratic_grad, 1e-4)


def test_efficient_differs_from_softmax_and_refined():
    q, k, v = random_qkv(*SHAPES[0])
    efficient = ops.convert_to_numpy(attention_ops.efficient_attention(q, k, v))
    for other in (attention_ops.softmax_attention, attention_ops.refined_attention):
        assert np.abs(efficient - ops.convert_to_numpy(other(q, k, v))).max() > 0.1


def test_efficient_context_accumulates_in_float32():
    """n = 65,536 equal keys: the softmax denominator, 65,536, is past float16's 65,504."""
    key = np.zeros((1, 256 * 256, 2), "float16")
    value = np.random.default_rng(2).normal(size=(1, 256 * 256, 4)).astype("float16")
    context = attention_ops.efficient_context(key, value)
    assert ops.convert_to_numpy(context).dtype == np.float32
    expected = value.astype("float64").mean(axis=1)[:, None, :].repeat(2, axis=1)
    assert_relative_close(ops.convert_to_numpy(context), expected, 1e-3)


def test_efficient_attention_keeps_query_dtype():
    q, k, v = (t.astype("float16") for t in random_qkv(*SHAPES[0], scale=1.0))
    output = attention_ops.efficient_attention(q, k, v)
    assert ops.convert_to_numpy(output).dtype == np.float16


def built(shape, gamma=0.7, **kwargs):
    layer = EfficientSelfAttention(**kwargs)
    layer.build(shape)
    layer.gamma.assign(gamma)
    return layer


@pytest.mark.parametrize("pool", [False, True])
def test_layer_outputs_and_context_match_the_float64_reference(pool):
    # 8×6 pixels: n = 48 queries against m = 48 keys, or 12 when pooled.
    x = np.random.default_rng(0).normal(size=(2, 8, 6, 16)).astype("float32")
    layer = built(x.shape, pool_key_value=pool, kernel_initializer="he_normal")
    outputs, context = layer(x, return_attention=True)
    expected = attention_block(layer, x, "efficient")
    assert_relative_close(ops.convert_to_numpy(outputs) - x, expected - x, 1e-5)
    _, k, v = projected(layer, x)
    assert k.shape[1] == (12 if pool else 48)
    assert ops.convert_to_numpy(context).dtype == np.float32
    assert_relative_close(ops.convert_to_numpy(context), reference_context(k, v), 1e-5)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_at_256x256_stays_finite_and_close(policy):
    # A zero key kernel makes the 65,536 keys equal: the softmax over positions sums 65,536
    # terms of exactly 1, past float16's 65,504, and each pixel reads the mean of the values
    # (far from 0, so that the attention branch outweighs float16's rounding of x).
    # γ = 4 lifts the branch further above that rounding (bfloat16 keeps 8 significant bits).
    keras.utils.set_random_seed(0)
    x = 2.0 + np.random.default_rng(0).normal(size=(1, 256, 256, 16)).astype("float32")
    reference = built(x.shape, gamma=4.0)
    reference.key_projection.kernel.assign(np.zeros((1, 1, 16, 2), "float32"))
    expected = ops.convert_to_numpy(reference(x))
    layer = EfficientSelfAttention(dtype=policy)
    layer.build(x.shape)
    layer.set_weights(reference.get_weights())
    outputs, context = layer(x, return_attention=True)
    outputs = ops.convert_to_numpy(ops.cast(outputs, "float32"))
    assert np.isfinite(ops.convert_to_numpy(context)).all() and np.isfinite(outputs).all()
    assert_relative_close(outputs - x, expected - x, 2e-2)
