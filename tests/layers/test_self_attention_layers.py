"""Behaviour of the attention layers: the maths, shapes, precision, compilation."""

import os
import pathlib
import subprocess
import sys

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
from tests.backend_utils import assert_relative_close, compiled, input_gradients
from tests.layers.attention_reference import attention_block

# Each layer and the normalisation of its numpy reference (attention_reference.attention_map).
NORMALISATIONS = {
    SelfAttention: "softmax",
    RefinedSelfAttention: "dot_product",
    EfficientSelfAttention: "efficient",
}
LAYERS = list(NORMALISATIONS)


class QuadraticSelfAttention(BaseSelfAttention):
    """The 1/n dot-product block computed in the O(n²) order: what the refined block must equal."""

    def attend(self, query, key, value):
        return attention_ops.dot_product_attention(query, key, value), None


def random_images(shape, seed=0, scale=1.0):
    return (scale * np.random.default_rng(seed).normal(size=shape)).astype("float32")


def built(layer_class, shape, gamma=0.7, **kwargs):
    layer = layer_class(**kwargs)
    layer.build(shape)
    layer.gamma.assign(gamma)
    return layer


@pytest.mark.parametrize("layer_class", LAYERS)
def test_identity_at_initialisation_then_not(layer_class):
    x = random_images((2, 8, 8, 16))
    layer = layer_class(spectral_norm=True)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)
    layer.gamma.assign(0.5)
    assert np.abs(ops.convert_to_numpy(layer(x)) - x).max() > 1e-3


@pytest.mark.parametrize("pool", [False, True])
def test_softmax_layer_matches_numpy_reference(pool):
    x = random_images((2, 8, 6, 16))
    layer = built(SelfAttention, x.shape, pool_key_value=pool)
    expected = attention_block(layer, x, "softmax")
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("pool", [False, True])
def test_refined_layer_matches_numpy_dot_product_reference(pool):
    x = random_images((2, 8, 6, 16))
    layer = built(RefinedSelfAttention, x.shape, pool_key_value=pool)
    expected = attention_block(layer, x, "dot_product")
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("pool", [False, True])
@pytest.mark.parametrize("shape", [(2, 16, 16, 32), (1, 32, 24, 16), (3, 12, 20, 64)])
def test_refined_layer_equals_quadratic_layer_outputs_and_gradients(shape, pool):
    x = random_images(shape, scale=2.0)
    refined = built(RefinedSelfAttention, shape, pool_key_value=pool, key_channels=4)
    quadratic = built(QuadraticSelfAttention, shape, pool_key_value=pool, key_channels=4)
    quadratic.set_weights(refined.get_weights())

    def difference_from_input(layer):
        return ops.convert_to_numpy(layer(x)) - x

    assert_relative_close(difference_from_input(refined), difference_from_input(quadratic), 1e-5)
    cotangent = random_images(shape, seed=3)
    cotangent_tensor = ops.convert_to_tensor(cotangent)
    (refined_grad,) = input_gradients(lambda t: refined(t) * cotangent_tensor, x)
    (quadratic_grad,) = input_gradients(lambda t: quadratic(t) * cotangent_tensor, x)
    assert_relative_close(refined_grad - cotangent, quadratic_grad - cotangent, 1e-5)


def test_fused_softmax_layer_equals_plain_softmax_layer():
    x = random_images((2, 8, 8, 32))
    plain = built(SelfAttention, x.shape, pool_key_value=True)
    fused = built(SelfAttention, x.shape, pool_key_value=True, fused=True)
    fused.set_weights(plain.get_weights())
    np.testing.assert_allclose(
        ops.convert_to_numpy(fused(x)), ops.convert_to_numpy(plain(x)), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("pool", [False, True])
def test_returned_attention_shapes(pool):
    x = random_images((2, 8, 12, 32))
    positions = 96 // 4 if pool else 96
    _, attention_map = built(SelfAttention, x.shape, pool_key_value=pool)(
        x, return_attention=True
    )
    assert tuple(attention_map.shape) == (2, 96, positions)
    for layer_class in (RefinedSelfAttention, EfficientSelfAttention):
        _, channel_matrix = built(layer_class, x.shape, pool_key_value=pool)(
            x, return_attention=True
        )
        assert tuple(channel_matrix.shape) == (2, 4, 16)
        assert ops.convert_to_numpy(channel_matrix).dtype == np.float32


@pytest.mark.parametrize("layer_class", LAYERS)
def test_unknown_spatial_size_at_build_time_and_non_square_inputs(layer_class):
    inputs = keras.Input((None, None, 16))
    model = keras.Model(inputs, layer_class(pool_key_value=True, gamma_initializer="ones")(inputs))
    assert model.output_shape == (None, None, None, 16)
    for shape in [(1, 8, 8, 16), (2, 6, 10, 16), (1, 12, 4, 16)]:
        x = random_images(shape)
        expected = attention_block(model.layers[-1], x, NORMALISATIONS[layer_class])
        np.testing.assert_allclose(
            ops.convert_to_numpy(model(x)), expected, rtol=1e-4, atol=1e-5
        )


@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("layer_class", LAYERS)
def test_compiled_call_matches_eager_call(layer_class, jit_compile):
    x = random_images((2, 8, 8, 16))
    layer = built(layer_class, x.shape, pool_key_value=True, spectral_norm=True)
    eager = ops.convert_to_numpy(layer(x))
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def forward(trainable, non_trainable, x):
        outputs, _ = layer.stateless_call(trainable, non_trainable, x)
        return outputs

    np.testing.assert_allclose(
        ops.convert_to_numpy(compiled(forward, jit_compile)(trainable, non_trainable, x)),
        eager,
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_refined_mixed_precision_at_128x128_does_not_overflow(policy):
    # Positive inputs and kernels make k·v ≈ 64 at every pixel: summed over n = 16,384 pixels
    # that is ≈ 1e6, past float16's 65,504, while kᵀv / n and the block's output (≈ 1e3) fit.
    x = 5.0 + random_images((1, 128, 128, 16))
    kernels = keras.initializers.Constant(0.1)
    reference = built(RefinedSelfAttention, x.shape, kernel_initializer=kernels)
    expected = ops.convert_to_numpy(reference(x))
    layer = RefinedSelfAttention(kernel_initializer=kernels, dtype=policy)
    layer.build(x.shape)
    layer.gamma.assign(0.7)
    outputs, context = layer(x, return_attention=True)
    outputs = ops.convert_to_numpy(ops.cast(outputs, "float32"))
    assert np.isfinite(ops.convert_to_numpy(context)).all() and np.isfinite(outputs).all()
    assert_relative_close(outputs - x, expected - x, 2e-2)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_softmax_mixed_precision_runs_and_stays_close(policy):
    x = random_images((2, 16, 16, 32))
    reference = built(SelfAttention, x.shape)
    layer = SelfAttention(dtype=policy)
    layer.build(x.shape)
    layer.set_weights(reference.get_weights())
    outputs = ops.convert_to_numpy(ops.cast(layer(x), "float32"))
    expected = ops.convert_to_numpy(reference(x))
    assert_relative_close(outputs - x, expected - x, 5e-2)


def run_under_memory_limit(form):
    """Runs `form` forward and backward at 256×256 in a subprocess capped at +3 GiB of memory."""
    environment = {**os.environ, "KERAS_BACKEND": keras.backend.backend()}
    return subprocess.run(
        [sys.executable, "-m", "tests.layers.run_under_memory_limit", form],
        capture_output=True,
        text=True,
        env=environment,
        cwd=pathlib.Path(__file__).parents[2],
        timeout=300,
    )


@pytest.mark.parametrize("form", ["refined", "efficient"])
def test_linear_forms_forward_backward_and_rows_at_256x256_without_an_n_by_n_tensor(form):
    """n = 65,536: any n×n float32 tensor needs 16 GiB, far past the subprocess's limit."""
    result = run_under_memory_limit(form)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


@pytest.mark.backend_independent  # checks the harness: an n×n tensor is 16 GiB on any backend
def test_the_memory_limit_stops_a_quadratic_form():
    # The limit would let an n×n implementation through if it were too generous: softmax fails.
    result = run_under_memory_limit("softmax")
    assert result.returncode != 0 and "ok" not in result.stdout


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="only TensorFlow graphs trace with unknown spatial dimensions",
)
@pytest.mark.parametrize("layer_class", LAYERS)
def test_tf_function_with_unknown_spatial_dimensions(layer_class):
    import tensorflow as tf

    layer = built(layer_class, (None, None, None, 16), pool_key_value=True)
    forward = tf.function(
        lambda x: layer(x, training=False),
        input_signature=[tf.TensorSpec((None, None, None, 16), tf.float32)],
    )
    for shape in [(1, 8, 8, 16), (2, 6, 10, 16)]:
        x = random_images(shape)
        np.testing.assert_allclose(
            forward(x).numpy(), ops.convert_to_numpy(layer(x)), rtol=1e-5, atol=1e-5
        )
    assert forward.experimental_get_tracing_count() == 1  # one trace serves every size


def projection_kernels(layer):
    def kernel(projection):
        if hasattr(projection, "vector_u"):
            projection = projection.layer
        return ops.convert_to_numpy(projection.kernel).reshape(-1)

    return [
        kernel(getattr(layer, f"{name}_projection")) for name in ("query", "key", "value", "output")
    ]


@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("spectral_norm", [False, True])
@pytest.mark.parametrize("initializer", ["glorot_uniform", "he_normal"])
def test_each_projection_draws_its_own_initial_kernel(layer_class, spectral_norm, initializer):
    # One Keras initializer instance returns the same values on every call: shared, it made q = k.
    layer = layer_class(spectral_norm=spectral_norm, kernel_initializer=initializer)
    layer.build((None, 8, 8, 64))
    query, key, value, output = projection_kernels(layer)
    assert not np.array_equal(query, key)
    assert not np.array_equal(value[: query.size], query)
    assert not np.array_equal(output[: value.size], value)


@pytest.mark.parametrize("layer_class", LAYERS)
def test_seeded_initializer_gives_reproducible_distinct_kernels(layer_class):
    def build(seed):
        layer = layer_class(kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
        layer.build((None, 8, 8, 64))
        return projection_kernels(layer)

    first, again, other_seed = build(3), build(3), build(4)
    for kernel, repeated in zip(first, again):
        np.testing.assert_array_equal(kernel, repeated)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], other_seed[0])


@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("pool", [False, True])
def test_functional_model_outputs_the_attention(layer_class, pool):
    inputs = keras.Input((8, 6, 64))
    outputs, attention = layer_class(pool_key_value=pool)(inputs, return_attention=True)
    model = keras.Model(inputs, [outputs, attention])
    x = random_images((2, 8, 6, 64))
    predicted_outputs, predicted_attention = model.predict(x, verbose=0)
    eager_outputs, eager_attention = model.layers[-1](x, return_attention=True)
    assert tuple(attention.shape[1:]) == predicted_attention.shape[1:]
    assert keras.backend.standardize_dtype(attention.dtype) == "float32"
    np.testing.assert_allclose(predicted_outputs, ops.convert_to_numpy(eager_outputs), atol=1e-6)
    np.testing.assert_allclose(
        predicted_attention, ops.convert_to_numpy(eager_attention), atol=1e-6
    )
    expected = (48, 12 if pool else 48) if layer_class is SelfAttention else (8, 32)
    assert predicted_attention.shape == (2, *expected)


def test_symbolic_attention_shape_with_unknown_spatial_size():
    inputs = keras.Input((None, None, 64))
    _, attention = SelfAttention()(inputs, return_attention=True)
    assert tuple(attention.shape) == (None, None, None)
    for layer_class in (RefinedSelfAttention, EfficientSelfAttention):
        _, context = layer_class()(inputs, return_attention=True)
        assert tuple(context.shape) == (None, 8, 32)
