"""SpectralNormalization is Miyato's reparametrisation on every backend: W stays, calls use W/σ(W)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_refined_sa.layers import SpectralNormalization
from tests.backend_utils import input_gradients
from tests.layers.attention_reference import spectral_sigma


def numpy_of(tensor):
    return np.asarray(ops.convert_to_numpy(tensor), "float64")


def kernel_with_singular_values(shape, singular_values, seed=0):
    """A kernel with a clear spectral gap, so that the power iteration converges in a few steps."""
    rng = np.random.default_rng(seed)
    rows = int(np.prod(shape[:-1]))
    left, _ = np.linalg.qr(rng.normal(size=(rows, len(singular_values))))
    right, _ = np.linalg.qr(rng.normal(size=(shape[-1], len(singular_values))))
    matrix = left @ np.diag(singular_values) @ right.T
    return matrix.reshape(shape).astype("float32")


def wrapped_dense(units=16, inputs=8, top=12.0, seed=0, **kwargs):
    kernel = kernel_with_singular_values((inputs, units), [top, top / 3, 1.0, 0.5], seed)
    dense = keras.layers.Dense(units, kernel_initializer=lambda shape, dtype=None: kernel)
    layer = SpectralNormalization(dense, **kwargs)
    layer.build((None, inputs))
    return layer


def largest_singular_value(matrix):
    return np.linalg.svd(np.asarray(matrix, "float64"), compute_uv=False)[0]


def test_fit_keeps_the_variable_and_predicts_with_the_true_normalised_kernel():
    # Keras's own wrapper kept σ at 14.6 after 20 fit steps on JAX: its overwrite was dropped.
    keras.utils.set_random_seed(0)
    layer = wrapped_dense()
    inputs = keras.Input((8,))
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = rng.normal(size=(32, 16)).astype("float32")
    model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    kernel = numpy_of(layer.kernel)
    assert largest_singular_value(kernel) > 5.0  # the variable holds W, not W / σ
    assert largest_singular_value(numpy_of(layer.normalized_kernel())) == pytest.approx(1.0, abs=1e-4)
    expected = x @ (kernel / largest_singular_value(kernel)) + numpy_of(layer.layer.bias)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4)


def test_inference_is_normalised_before_any_training():
    layer = wrapped_dense(top=20.0)
    x = np.random.default_rng(1).normal(size=(4, 8)).astype("float32")
    kernel = numpy_of(layer.kernel)
    expected = x @ (kernel / largest_singular_value(kernel))
    np.testing.assert_allclose(numpy_of(layer(x)), expected, rtol=1e-4, atol=1e-4)


def test_vector_u_changes_only_when_training_and_the_kernel_never():
    layer = wrapped_dense()
    x = np.ones((2, 8), "float32")
    layer.vector_u.assign(np.random.default_rng(5).normal(size=16).astype("float32"))
    u, kernel = numpy_of(layer.vector_u), numpy_of(layer.kernel)
    layer(x, training=False)
    np.testing.assert_array_equal(numpy_of(layer.vector_u), u)
    layer(x, training=True)
    assert np.abs(numpy_of(layer.vector_u) - u).max() > 0
    np.testing.assert_array_equal(numpy_of(layer.kernel), kernel)


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("power_iterations", [1, 3])
def test_gradient_flows_through_sigma_with_u_and_v_constant(training, power_iterations):
    layer = wrapped_dense(units=5, inputs=6, power_iterations=power_iterations)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 6)).astype("float32")
    kernel, bias = (v.value for v in layer.trainable_variables)
    # Loss weights that correlate with the outputs make the σ term of the gradient large.
    weights = x.astype("float64") @ numpy_of(kernel) + rng.normal(size=(3, 5))
    u_stored = numpy_of(layer.vector_u)

    def loss_terms(kernel_value):
        outputs, _ = layer.stateless_call(
            [kernel_value, bias], [layer.vector_u.value], x, training=training
        )
        return outputs * ops.convert_to_tensor(weights.astype("float32"))

    (gradient,) = input_gradients(loss_terms, numpy_of(kernel).astype("float32"))

    # float64 reference of d/dW sum(weights ⊙ x W/σ(W)), u and v held constant.
    matrix = numpy_of(kernel)
    u = u_stored / np.linalg.norm(u_stored)
    v = matrix @ u
    v /= np.linalg.norm(v)
    if training:
        for _ in range(power_iterations):
            v = matrix @ u
            v /= np.linalg.norm(v)
            u = matrix.T @ v
            u /= np.linalg.norm(u)
    sigma = v @ matrix @ u
    upstream = x.astype("float64").T @ weights  # d loss / d (W / σ)
    expected = upstream / sigma - np.sum(upstream * matrix) / sigma**2 * np.outer(v, u)
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)
    # Without the σ term the gradient would be upstream / σ: the test tells the two apart.
    assert np.abs(expected - upstream / sigma).max() > 1e-2


def test_convolution_kernel_is_normalised_as_a_fan_in_by_filters_matrix():
    kernel = kernel_with_singular_values((3, 3, 3, 4), [5.0, 2.0, 1.0])
    initializer = lambda shape, dtype=None: kernel  # noqa: E731
    conv = SpectralNormalization(
        keras.layers.Conv2D(4, 3, use_bias=False, kernel_initializer=initializer)
    )
    x = np.random.default_rng(3).normal(size=(1, 6, 6, 3)).astype("float32")
    outputs = numpy_of(conv(x))
    matrix = numpy_of(conv.kernel).reshape(-1, 4)
    sigma = spectral_sigma(matrix, numpy_of(conv.vector_u))
    assert sigma == pytest.approx(largest_singular_value(matrix), rel=1e-4)
    patches = np.stack(
        [x[0, i : i + 3, j : j + 3, :].reshape(-1) for i in range(4) for j in range(4)]
    )
    np.testing.assert_allclose(outputs.reshape(16, 4), patches @ matrix / sigma, atol=1e-4)


def test_zero_kernel_gives_zero_outputs_not_nan():
    layer = SpectralNormalization(keras.layers.Dense(3, kernel_initializer="zeros"))
    outputs = numpy_of(layer(np.ones((2, 4), "float32"), training=True))
    np.testing.assert_array_equal(outputs, np.zeros((2, 3)))


def test_mixed_precision_computes_sigma_in_float32():
    dense = keras.layers.Dense(8, dtype="mixed_float16")
    layer = SpectralNormalization(dense, dtype="mixed_float16")
    outputs = layer(np.ones((2, 4), "float32"), training=True)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
    assert layer.vector_u.dtype == "float32" and layer.kernel.dtype == "float32"
    assert largest_singular_value(numpy_of(layer.normalized_kernel())) == pytest.approx(1.0, 1e-4)


def test_keras_file_and_weights_file_round_trips(tmp_path):
    inputs = keras.Input((8,))
    layer = SpectralNormalization(keras.layers.Dense(6), power_iterations=2)
    model = keras.Model(inputs, layer(inputs))
    x = np.random.default_rng(4).normal(size=(3, 8)).astype("float32")
    model(x, training=True)
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert restored.layers[-1].power_iterations == 2
    np.testing.assert_array_equal(numpy_of(restored(x)), numpy_of(model(x)))

    model.save_weights(tmp_path / "model.weights.h5")
    twin = keras.Model.from_config(model.get_config())
    twin.load_weights(tmp_path / "model.weights.h5")
    for saved, loaded in zip(model.weights, twin.weights):
        np.testing.assert_array_equal(numpy_of(saved), numpy_of(loaded))


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.train.Checkpoint")
def test_tensorflow_checkpoint_round_trip(tmp_path):
    import tensorflow as tf

    layer, twin = wrapped_dense(seed=0), wrapped_dense(seed=1, top=3.0)
    layer(np.ones((1, 8), "float32"), training=True)
    path = tf.train.Checkpoint(layer=layer).write(str(tmp_path / "ckpt"))
    tf.train.Checkpoint(layer=twin).read(path).assert_existing_objects_matched()
    for saved, loaded in zip(layer.weights, twin.weights):
        np.testing.assert_array_equal(numpy_of(saved), numpy_of(loaded))


@pytest.mark.parametrize("power_iterations", [0, -1, 1.5, True, "2"])
def test_power_iterations_must_be_a_positive_integer(power_iterations):
    with pytest.raises(ValueError, match=f"power_iterations={power_iterations!r}"):
        SpectralNormalization(keras.layers.Dense(2), power_iterations=power_iterations)


def test_layer_without_a_kernel_is_refused_by_name():
    with pytest.raises(ValueError, match="Received: ReLU"):
        SpectralNormalization(keras.layers.ReLU()).build((None, 4))
