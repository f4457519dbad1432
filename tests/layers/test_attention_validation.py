"""Bad arguments and inputs get a ValueError that names the argument, the value and what is allowed.

The refusals raise before the layer computes anything: only the TensorFlow run checks them
(`backend_independent`, see tests/conftest.py); the shapes the layers accept run on every backend.
"""

import keras
import numpy as np
import pytest

from keras_refined_sa.layers import EfficientSelfAttention, RefinedSelfAttention, SelfAttention

LAYERS = [SelfAttention, RefinedSelfAttention, EfficientSelfAttention]


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("argument", ["key_channels", "value_channels"])
@pytest.mark.parametrize("value", [0, -3, 2.5, True, "8"])
def test_non_positive_or_non_integer_widths(layer_class, argument, value):
    with pytest.raises(ValueError, match=rf"`{argument}` must be a positive integer.*{argument}={value!r}"):
        layer_class(**{argument: value})


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("shape", [(2, 64, 16), (2, 4, 4, 4, 16)])
def test_rank_other_than_four(layer_class, shape):
    with pytest.raises(ValueError, match=r"expects a 4D input.*Received: input_shape"):
        layer_class()(np.zeros(shape, "float32"))


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
def test_key_width_wider_than_input(layer_class):
    with pytest.raises(ValueError, match=r"key_channels=32 for an input with 16 channels"):
        layer_class(key_channels=32)(np.zeros((1, 4, 4, 16), "float32"))


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
def test_value_width_wider_than_input(layer_class):
    with pytest.raises(ValueError, match=r"value_channels=24 for an input with 16 channels"):
        layer_class(value_channels=24)(np.zeros((1, 4, 4, 16), "float32"))


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("channels,argument,divisor", [(12, "key_channels", 8), (9, "value_channels", 2)])
def test_channels_not_divisible_for_default_widths(layer_class, channels, argument, divisor):
    explicit = {"key_channels": 1} if argument == "value_channels" else {}
    with pytest.raises(ValueError, match=rf"divisible by {divisor}.*{channels} channels.*{argument}"):
        layer_class(**explicit)(np.zeros((1, 4, 4, channels), "float32"))


def test_explicit_widths_accept_any_channel_count():
    outputs = RefinedSelfAttention(key_channels=3, value_channels=5)(np.zeros((1, 4, 4, 12), "float32"))
    assert tuple(outputs.shape) == (1, 4, 4, 12)


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("height,width", [(7, 8), (8, 5)])
def test_odd_height_or_width_with_pooling(layer_class, height, width):
    with pytest.raises(ValueError, match=rf"even height and width.*height={height}, width={width}"):
        layer_class(pool_key_value=True)(np.zeros((1, height, width, 16), "float32"))


@pytest.mark.parametrize("layer_class", LAYERS)
def test_odd_size_is_fine_without_pooling(layer_class):
    assert tuple(layer_class()(np.zeros((1, 7, 5, 16), "float32")).shape) == (1, 7, 5, 16)


@pytest.mark.backend_independent
@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool"])
def test_non_float_inputs(layer_class, dtype):
    with pytest.raises(ValueError, match=rf"floating-point input.*dtype={dtype}"):
        layer_class()(np.ones((1, 4, 4, 16), dtype))


@pytest.mark.backend_independent
def test_fused_layer_refuses_to_return_the_attention_map():
    layer = SelfAttention(fused=True)
    with pytest.raises(ValueError, match=r"fused=True with return_attention=True"):
        layer(np.zeros((1, 4, 4, 16), "float32"), return_attention=True)


@pytest.mark.backend_independent
def test_fused_layer_refuses_to_return_the_attention_map_symbolically():
    with pytest.raises(ValueError, match=r"fused=True with return_attention=True"):
        SelfAttention(fused=True)(keras.Input((4, 4, 16)), return_attention=True)
