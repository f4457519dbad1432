"""The exponential moving average of a model's weights."""

import keras
import numpy as np
import pytest

from training.ema import ExponentialMovingAverage


def tiny_model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    outputs = keras.layers.BatchNormalization()(hidden)
    return keras.Model(inputs, outputs)


def test_reset_copies_and_update_averages_trainable_weights_and_copies_the_others():
    model, average = tiny_model(), tiny_model()
    ema = ExponentialMovingAverage(model, average, decay=0.5, start_step=0)
    ema.reset()
    for a, w in zip(average.weights, model.weights):
        np.testing.assert_array_equal(a.numpy(), w.numpy())

    old = [w.numpy() for w in model.weights]
    for weight in model.weights:
        weight.assign(weight.numpy() + 1.0)
    ema.update(step=100)  # past the ramp: the decay is the configured 0.5
    for weight, before, shadow in zip(model.weights, old, average.weights):
        expected = 0.5 * before + 0.5 * (before + 1.0) if weight.trainable else before + 1.0
        np.testing.assert_allclose(shadow.numpy(), expected, rtol=1e-6)
    assert any(not w.trainable for w in model.weights)  # BN statistics were covered


@pytest.mark.parametrize(
    "step, expected_decay",
    [(2, 0.0), (5, 1.0 / 10.0), (6, 2.0 / 11.0), (10_000, 0.999)],
)
def test_decay_ramps_up_after_the_start_step(step, expected_decay):
    model, average = tiny_model(), tiny_model()
    ema = ExponentialMovingAverage(model, average, decay=0.999, start_step=5)
    kernel, shadow = model.weights[0], average.weights[0]
    kernel.assign(np.ones(kernel.shape))
    shadow.assign(np.zeros(shadow.shape))
    ema.update(step)
    np.testing.assert_allclose(shadow.numpy(), 1.0 - expected_decay, rtol=1e-6, atol=1e-7)


def test_mismatched_models_and_bad_arguments():
    model = tiny_model()
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="same weights structure|weights"):
        ExponentialMovingAverage(model, other)
    with pytest.raises(ValueError, match="decay=1.0"):
        ExponentialMovingAverage(model, tiny_model(), decay=1.0)
    with pytest.raises(ValueError, match="start_step=-1"):
        ExponentialMovingAverage(model, tiny_model(), start_step=-1)
