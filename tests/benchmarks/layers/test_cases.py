import keras
import numpy as np
import pytest

from benchmarks.layers.forms import FORMS
from benchmarks.layers.cases import layer_case, run_comparison_case, run_layer_case
from benchmarks.layers.forms import ProjectionsOnly, build_block
from benchmarks.harness.steps import make_step
from keras_refined_sa.layers import EfficientSelfAttention


def _built(form, shape=(2, 8, 8, 16)):
    block = build_block(form)
    inputs = keras.random.normal(shape, seed=1)
    block.build(inputs.shape)
    return block, inputs


@pytest.mark.parametrize("form", FORMS)
def test_forward_step_equals_a_direct_call(form):
    block, inputs = _built(form)
    outputs = make_step(block, inputs, "fwd")()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(outputs),
        keras.ops.convert_to_numpy(block(inputs)),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("form", FORMS)
def test_backward_step_reaches_the_inputs_and_every_projection(form):
    block, inputs = _built(form)
    gradients = make_step(block, inputs, "fwd_bwd")()
    # The inputs, then the four projection kernels and γ.
    assert len(gradients) == 1 + len(block.trainable_variables) == 6
    for gradient in gradients:
        values = keras.ops.convert_to_numpy(gradient)
        assert np.all(np.isfinite(values))
        assert np.any(values != 0)


def test_quadratic_block_equals_the_refined_block_with_the_same_weights():
    quadratic, inputs = _built("quadratic")
    refined, _ = _built("refined")
    refined.set_weights(quadratic.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(quadratic(inputs)),
        keras.ops.convert_to_numpy(refined(inputs)),
        rtol=1e-4,
        atol=1e-5,
    )


def test_efficient_form_is_the_library_layer_with_a_non_zero_gamma():
    block, _ = _built("efficient")
    assert type(block) is EfficientSelfAttention
    assert float(keras.ops.convert_to_numpy(block.gamma)) != 0


def test_run_layer_case_measures_time_and_memory():
    metrics = run_layer_case("refined", "fwd_bwd", 8, 1, 16, repeats=2, warmup=1)
    assert metrics["repeats"] == 2
    assert 0 < metrics["time_min_s"] <= metrics["time_median_s"] <= metrics["time_max_s"]
    assert metrics["peak_rss_bytes"] >= metrics["baseline_rss_bytes"] > 0
    assert metrics["device_kind"] == "cpu"


def test_run_comparison_case_times_the_forms_interleaved():
    metrics = run_comparison_case(
        ["projections", "refined"], "fwd", 8, 1, 16, rounds=4, warmup=1
    )
    assert sorted(metrics["ratios"]) == ["refined/projections"]
    stats = metrics["ratios"]["refined/projections"]
    assert stats["pairs"] == 4 and sorted(stats["times_s"]) == ["projections", "refined"]


def test_projections_only_refuses_pooling():
    with pytest.raises(ValueError, match="pool_key_value"):
        ProjectionsOnly(pool_key_value=True)


@pytest.mark.parametrize(
    "form, pass_name, name", [("linear", "fwd", "form"), ("refined", "bwd", "pass_name")]
)
def test_invalid_form_or_pass_raises(form, pass_name, name):
    with pytest.raises(ValueError, match=name):
        layer_case(form, pass_name, 16, 1, 16)
    if name == "form":
        with pytest.raises(ValueError, match=name):
            build_block(form)
