"""Keras's own layer checks (`run_layer_test`) on every layer of the package, on any backend.

They build each layer symbolically and eagerly, round-trip its config and a `.keras` file, train
it a step with `fit`, count its trainable and non-trainable weights, and run it under mixed
precision.
"""

import keras
import pytest
from keras.src.testing import TestCase

from keras_refined_sa.layers import (
    ConditionalBatchNormalization,
    EfficientSelfAttention,
    GlobalSumPooling2D,
    RefinedSelfAttention,
    SelfAttention,
    SpectralNormalization,
)


class LayerConformance(TestCase):
    pass


@pytest.fixture
def conformance():
    case = LayerConformance()
    case.setUp()
    yield case
    case.tearDown()


@pytest.mark.parametrize(
    "layer_class", [SelfAttention, RefinedSelfAttention, EfficientSelfAttention]
)
@pytest.mark.parametrize("spectral_norm", [False, True])
def test_attention_layers(conformance, layer_class, spectral_norm):
    conformance.run_layer_test(
        layer_class,
        init_kwargs={"spectral_norm": spectral_norm, "pool_key_value": True},
        input_shape=(2, 8, 8, 16),
        expected_output_shape=(2, 8, 8, 16),
        # Four 1×1 kernels and γ; spectral normalisation adds one u vector per projection.
        expected_num_trainable_weights=5,
        expected_num_non_trainable_weights=4 if spectral_norm else 0,
        expected_num_seed_generators=0,
        supports_masking=False,
    )


@pytest.mark.parametrize(
    "layer", [keras.layers.Dense(6), keras.layers.Conv2D(4, 3, padding="same")]
)
def test_spectral_normalization(conformance, layer):
    input_shape = (2, 5) if isinstance(layer, keras.layers.Dense) else (2, 6, 6, 3)
    output_shape = input_shape[:-1] + (6 if isinstance(layer, keras.layers.Dense) else 4,)
    conformance.run_layer_test(
        SpectralNormalization,
        init_kwargs={"layer": layer, "power_iterations": 2},
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=1,
        supports_masking=False,
    )


def test_global_sum_pooling(conformance):
    conformance.run_layer_test(
        GlobalSumPooling2D,
        init_kwargs={},
        input_shape=(2, 4, 5, 3),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=False,
    )


def test_conditional_batch_normalization(conformance):
    conformance.run_layer_test(
        ConditionalBatchNormalization,
        init_kwargs={"num_classes": 3},
        input_shape={"inputs_shape": (4, 2, 2, 8), "labels_shape": (4,)},
        input_dtype={"inputs_shape": "float32", "labels_shape": "int32"},
        expected_output_shape=(4, 2, 2, 8),
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=2,
        supports_masking=False,
        # Keras's training check feeds one input; test_conditional_batch_norm trains both.
        run_training_check=False,
    )
