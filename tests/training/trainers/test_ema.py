"""The exponential moving average of a model's weights."""

import keras
import numpy as np
import pytest

from training.trainers.ema import ExponentialMovingAverage


def tiny_model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    outputs = keras.layers.BatchNormalization()(hidden)
    return keras.Model(inputs, outputs)


def test_reset_copies_and_update_averages_every_float_weight():
    model, average = tiny_model(), tiny_model()
    ema = ExponentialMovingAverage(model, average, decay=0.5, start_step=0)
    ema.reset()
    for a, w in zip(average.weights, model.weights):
        np.testing.assert_array_equal(a.numpy(), w.numpy())

    old = [w.numpy() for w in model.weights]
    for weight in model.weights:
        weight.assign(weight.numpy() + 1.0)
    ema.update(step=100)  # past the ramp: the decay is the configured 0.5
    for before, shadow in zip(old, average.weights):
        np.testing.assert_allclose(shadow.numpy(), before + 0.5, rtol=1e-6)
    assert any(not w.trainable for w in model.weights)  # BN statistics were covered


def test_non_trainable_weights_are_averaged_not_copied():
    # BigGAN averages every state entry, buffers included: the batch-norm moving statistics
    # of the average are the exponential moving average of the model's, not its last values.
    model, average = tiny_model(), tiny_model()
    batch_norm = model.layers[-1]
    decay = 0.9
    ema = ExponentialMovingAverage(model, average, decay=decay, start_step=0)
    ema.reset()
    expected = {id(w): w.numpy() for w in batch_norm.non_trainable_weights}
    rng = np.random.default_rng(0)
    for step in range(1000, 1004):  # past the ramp: the decay is the configured 0.9
        for weight in batch_norm.non_trainable_weights:
            value = rng.uniform(0.5, 2.0, size=weight.shape).astype("float32")
            weight.assign(value)
            expected[id(weight)] = decay * expected[id(weight)] + (1.0 - decay) * value
        ema.update(step)
    shadows = dict(zip([id(w) for w in model.weights], average.weights))
    for weight in batch_norm.non_trainable_weights:
        shadow = shadows[id(weight)].numpy()
        np.testing.assert_allclose(shadow, expected[id(weight)], rtol=1e-5)
        assert not np.allclose(shadow, weight.numpy())  # not a copy of the live statistics
    assert {w.path.split("/")[-1] for w in batch_norm.non_trainable_weights} >= {
        "moving_mean",
        "moving_variance",
    }


class Counter(keras.layers.Layer):
    """The identity, with an integer non-trainable weight."""

    def build(self, input_shape):
        self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False)

    def call(self, inputs):
        return inputs


def test_non_float_weights_are_copied():
    def counter_model():
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), Counter()])

    model, average = counter_model(), counter_model()
    ema = ExponentialMovingAverage(model, average, decay=0.5)
    ema.reset()
    model.layers[-1].count.assign(7)
    ema.update(step=100)
    assert int(average.layers[-1].count.numpy()) == 7


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
