"""ConditionalBatchNormalization: per-class scale and offset on top of batch statistics."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_refined_sa.layers import ConditionalBatchNormalization

EPSILON = 1e-5


def features(shape=(6, 4, 4, 8), seed=0):
    return (3.0 + 2.0 * np.random.default_rng(seed).normal(size=shape)).astype("float32")


def built_layer(num_classes=3, channels=8, seed=1, **kwargs):
    layer = ConditionalBatchNormalization(num_classes, epsilon=EPSILON, **kwargs)
    layer.build((None, 4, 4, channels), (None,))
    rng = np.random.default_rng(seed)
    layer.gamma.assign(rng.normal(size=(num_classes, channels)).astype("float32"))
    layer.beta.assign(rng.normal(size=(num_classes, channels)).astype("float32"))
    return layer


def reference(x, labels, gamma, beta, mean, variance):
    normalized = (x - mean) / np.sqrt(variance + EPSILON)
    return normalized * gamma[labels][:, None, None, :] + beta[labels][:, None, None, :]


def test_training_uses_batch_statistics_and_the_label_rows():
    layer = built_layer()
    x, labels = features(), np.array([0, 2, 1, 2, 0, 1], dtype="int32")
    outputs = ops.convert_to_numpy(layer(x, labels, training=True))
    expected = reference(
        x,
        labels,
        ops.convert_to_numpy(layer.gamma),
        ops.convert_to_numpy(layer.beta),
        x.mean(axis=(0, 1, 2)),
        x.var(axis=(0, 1, 2)),
    )
    np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-4)


def test_inference_uses_moving_statistics():
    layer = built_layer(momentum=0.0)
    x, labels = features(), np.array([1, 1, 0, 0, 2, 2], dtype="int32")
    layer(x, labels, training=True)  # momentum 0: the moving statistics become this batch's
    shifted = x + 5.0
    outputs = ops.convert_to_numpy(layer(shifted, labels, training=False))
    expected = reference(
        shifted,
        labels,
        ops.convert_to_numpy(layer.gamma),
        ops.convert_to_numpy(layer.beta),
        x.mean(axis=(0, 1, 2)),
        x.var(axis=(0, 1, 2)),
    )
    np.testing.assert_allclose(outputs, expected, rtol=1e-3, atol=1e-3)


def test_default_initialisation_is_plain_batch_norm_and_labels_may_be_a_column():
    x = features()
    layer = ConditionalBatchNormalization(4, epsilon=EPSILON)
    plain = keras.layers.BatchNormalization(epsilon=EPSILON)
    column = np.array([[0], [1], [2], [3], [0], [1]], dtype="int32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer(x, column, training=True)),
        ops.convert_to_numpy(plain(x, training=True)),
        rtol=1e-5,
        atol=1e-5,
    )


def test_classes_get_different_outputs_for_the_same_features():
    layer = built_layer()
    x = np.repeat(features((1, 4, 4, 8)), 3, axis=0)
    outputs = ops.convert_to_numpy(layer(x, np.array([0, 1, 2]), training=False))
    assert np.abs(outputs[0] - outputs[1]).max() > 1e-2
    assert np.abs(outputs[1] - outputs[2]).max() > 1e-2


def test_config_and_keras_file_round_trip(tmp_path):
    inputs = keras.Input((4, 4, 8))
    labels = keras.Input((), dtype="int32")
    layer = ConditionalBatchNormalization(
        3, momentum=0.9, epsilon=EPSILON, gamma_initializer="he_normal", name="cbn"
    )
    model = keras.Model([inputs, labels], layer(inputs, labels))
    config = layer.get_config()
    assert ConditionalBatchNormalization.from_config(config).get_config() == config
    assert config["num_classes"] == 3 and config["momentum"] == 0.9
    x, y = features(), np.array([0, 1, 2, 0, 1, 2], dtype="int32")
    model([x, y], training=True)
    expected = ops.convert_to_numpy(model([x, y], training=False))
    model.save(tmp_path / "cbn.keras")
    restored = keras.saving.load_model(tmp_path / "cbn.keras")
    np.testing.assert_array_equal(ops.convert_to_numpy(restored([x, y], training=False)), expected)


def test_synchronized_is_passed_to_the_batch_norm():
    if keras.backend.backend() == "tensorflow":
        assert ConditionalBatchNormalization(2, synchronized=True).batch_norm.synchronized
    else:
        with pytest.raises(ValueError, match="synchronized"):
            ConditionalBatchNormalization(2, synchronized=True)


@pytest.mark.parametrize("num_classes", [0, -2, 2.5, True])
def test_invalid_num_classes(num_classes):
    with pytest.raises(ValueError, match="num_classes"):
        ConditionalBatchNormalization(num_classes)
