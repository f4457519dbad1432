"""Every registered model, tested alike: shapes, parameters, weight transfer, saving, training."""

import keras
import numpy as np
import pytest
from keras import ops

import zoo
from zoo.attention import ATTENTION_KINDS
from tests.zoo.helpers import (
    BATCH,
    TINY,
    attention_layers,
    family_of,
    networks,
    predict,
    sample_inputs,
)

FAMILIES = sorted({family_of(name) for name in zoo.list_models()})
# The kinds with an attention block, all with the same variables.
ATTENDING_KINDS = [kind for kind in ATTENTION_KINDS if kind != "none"]
EXPECTED_ATTENTION_NAMES = {
    "generator": ["g_attention"],
    "discriminator": ["d_attention"],
    "autoencoder": ["encoder_attention_32", "decoder_attention_32"],
}
# Families whose networks name their attention blocks otherwise than their role's.
FAMILY_ATTENTION_NAMES = {"fullres": ["attention"]}


def build(name, seed=0, **overrides):
    keras.utils.set_random_seed(seed)
    return zoo.create(name, **{**TINY, **overrides})


def set_gamma(network, value):
    for layer in attention_layers(network):
        layer.gamma.assign(value)


@pytest.mark.parametrize("name", zoo.list_models())
def test_builds_tiny_with_the_contracted_shapes_and_attributes(name):
    model = build(name)
    assert model.family == family_of(name)
    assert model.attention == name.rsplit("_", 1)[1]
    assert (model.resolution, model.channels) == (32, 3)
    assert isinstance(model.defaults, dict) and model.defaults
    image_shape = (BATCH, 32, 32, 3)
    for role, network in networks(model).items():
        outputs = predict(network, sample_inputs(network))
        assert np.isfinite(outputs).all()
        if role == "discriminator":
            assert outputs.shape == (BATCH, 1)
        else:
            assert outputs.shape == image_shape
            assert np.abs(outputs).max() <= 1.0
        expected_names = FAMILY_ATTENTION_NAMES.get(model.family, EXPECTED_ATTENTION_NAMES[role])
        expected_names = [] if model.attention == "none" else expected_names
        assert [layer.name for layer in attention_layers(network)] == expected_names


@pytest.mark.parametrize("family", FAMILIES)
def test_attending_kinds_have_equal_parameters_and_none_lacks_exactly_the_attention(family):
    built = {kind: build(f"{family}_{kind}") for kind in ATTENTION_KINDS}
    for role, softmax in networks(built["softmax"]).items():
        none = networks(built["none"])[role]
        attention_parameters = sum(layer.count_params() for layer in attention_layers(softmax))
        assert attention_parameters > 0
        for kind in ATTENDING_KINDS:
            assert networks(built[kind])[role].count_params() == softmax.count_params(), kind
        assert none.count_params() == softmax.count_params() - attention_parameters


@pytest.mark.parametrize("target_kind", [k for k in ATTENDING_KINDS if k != "softmax"])
@pytest.mark.parametrize("family", FAMILIES)
def test_weights_move_from_softmax_to_the_other_kinds(family, target_kind):
    softmax = build(f"{family}_softmax", seed=1)
    other = build(f"{family}_{target_kind}", seed=2)
    for role, source in networks(softmax).items():
        target = networks(other)[role]
        inputs = sample_inputs(source)
        target.set_weights(source.get_weights())
        # With γ = 0 the attention blocks are identities: the networks are the same function.
        np.testing.assert_allclose(
            predict(target, inputs), predict(source, inputs), rtol=1e-6, atol=1e-6
        )
        set_gamma(source, 0.5)
        set_gamma(target, 0.5)
        softmax_outputs, target_outputs = predict(source, inputs), predict(target, inputs)
        assert np.isfinite(target_outputs).all()
        assert np.abs(target_outputs - softmax_outputs).max() > 1e-4


@pytest.mark.parametrize("name", zoo.list_models())
def test_keras_file_round_trip_gives_identical_outputs(name, tmp_path):
    model = build(name)
    for role, network in networks(model).items():
        set_gamma(network, 0.3)
        inputs = sample_inputs(network)
        network(inputs, training=True)  # moves batch-norm statistics and spectral-norm vectors
        expected = predict(network, inputs)
        path = tmp_path / f"{role}.keras"
        network.save(path)
        restored = keras.saving.load_model(path)
        assert type(restored) is type(network)
        assert restored.get_config() == network.get_config()
        np.testing.assert_array_equal(predict(restored, inputs), expected)


@pytest.mark.parametrize("name", zoo.list_models())
def test_one_gradient_step_reduces_a_regression_loss(name):
    model = build(name)
    for role, network in networks(model).items():
        inputs = sample_inputs(network, seed=3)
        target_shape = (BATCH, 1) if role == "discriminator" else (BATCH, 32, 32, 3)
        target = np.random.default_rng(4).uniform(-1, 1, size=target_shape).astype("float32")
        # Eager: tracing costs more than these tiny steps; test_sagan covers a compiled step.
        # Adam's first step moves every weight by about the learning rate: at 1e-4 the summed
        # discriminator overshoots on two images (seen on JAX), at 1e-5 it descends.
        network.compile(
            optimizer=keras.optimizers.Adam(learning_rate=1e-5), loss="mse", run_eagerly=True
        )
        # train_on_batch reports the loss before its update: the second call sees the step.
        before = float(ops.convert_to_numpy(network.train_on_batch(inputs, target)))
        after = float(ops.convert_to_numpy(network.train_on_batch(inputs, target)))
        assert after < before, (role, before, after)


@pytest.mark.parametrize("kind", ["refined", "efficient"])
@pytest.mark.parametrize("family", FAMILIES)
def test_mixed_precision_models_return_float32(family, kind):
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = build(f"{family}_{kind}")
    finally:
        keras.config.set_dtype_policy(policy)
    for network in networks(model).values():
        assert attention_layers(network)[0].compute_dtype == "float16"
        outputs = network(sample_inputs(network), training=False)
        assert keras.backend.standardize_dtype(outputs.dtype) == "float32"
        assert np.isfinite(ops.convert_to_numpy(outputs)).all()


def spectral_wrappers(network):
    """Every spectral-norm wrapper of `network`, inside attention blocks too."""
    return [
        layer
        for layer in network._flatten_layers(include_self=False, recursive=True)
        if "SpectralNormalization" in type(layer).__name__
    ]


@pytest.mark.parametrize("name", [n for n in zoo.list_models() if not n.endswith("_none")])
def test_attention_projections_start_distinct(name):
    # One shared initializer instance made the query and key kernels equal in every model.
    for network in networks(build(name)).values():
        for layer in attention_layers(network):
            query, key = (
                getattr(layer, f"{projection}_projection") for projection in ("query", "key")
            )
            kernels = [
                ops.convert_to_numpy(getattr(p, "layer", p).kernel) for p in (query, key)
            ]
            assert not np.array_equal(*kernels), layer.name


@pytest.mark.parametrize("name", [f"sagan_{kind}" for kind in ATTENDING_KINDS])
def test_spectral_normalization_is_the_reparametrisation_everywhere(name):
    from keras_refined_sa.layers import SpectralNormalization

    for network in networks(build(name)).values():
        wrappers = spectral_wrappers(network)
        assert wrappers and all(isinstance(w, SpectralNormalization) for w in wrappers)
        network(sample_inputs(network), training=True)
        for wrapper in wrappers:
            matrix = ops.convert_to_numpy(wrapper.normalized_kernel())
            matrix = matrix.reshape(-1, matrix.shape[-1])
            sigma = np.linalg.svd(matrix, compute_uv=False)[0]
            assert sigma == pytest.approx(1.0, abs=0.05), wrapper.name
