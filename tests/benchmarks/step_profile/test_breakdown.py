import pytest

from benchmarks.step_profile.breakdown import (
    GRADIENT_SUMS,
    NETWORK_ITSELF,
    OUTSIDE,
    break_down,
    locate,
)

LAYERS = {
    "sagan_generator": ["g_attention", "g_block1_conv", "g_block1_conv_bn"],
    "sagan_discriminator": ["d_attention", "d_block1_conv"],
}


@pytest.mark.parametrize(
    "op_name, expected",
    [
        ("sagan_generator/g_attention/split", ("sagan_generator", "g_attention", "split")),
        # Keras's uniquifying suffixes on the network's and the layer's scopes.
        ("sagan_generator_1/g_attention_2/Tensordot/MatMul",
         ("sagan_generator", "g_attention", "Tensordot")),
        # A gradient belongs to the layer of the op it differentiates.
        ("gradient_tape/sagan_discriminator_1/d_attention_1/MaxPool2d/MaxPoolGrad",
         ("sagan_discriminator", "d_attention", "MaxPool2d")),
        # A layer whose name extends another's is not that layer.
        ("sagan_generator/g_block1_conv_bn/FusedBatchNormV3",
         ("sagan_generator", "g_block1_conv_bn", "FusedBatchNormV3")),
        ("sagan_generator/g_block1_conv/Conv2D",
         ("sagan_generator", "g_block1_conv", "Conv2D")),
        # An op of the network that no layer's scope holds.
        ("sagan_generator/Cast", ("sagan_generator", NETWORK_ITSELF, None)),
        ("sagan_generator/unknown_layer/Relu", ("sagan_generator", NETWORK_ITSELF, None)),
        # The moving average's copy of the generator is another network.
        ("sagan_generator_ema/g_attention/split", (OUTSIDE, OUTSIDE, None)),
        ("optimizer/Sub_3", (OUTSIDE, OUTSIDE, None)),
    ],
)  # fmt: skip
def test_locate_finds_the_network_layer_and_part(op_name, expected):
    assert locate(op_name, LAYERS) == expected


def test_break_down_sums_layers_and_the_attention_blocks_parts_and_op_types():
    seconds = {
        ("sagan_generator/g_attention/Tensordot/MatMul", "_MklMatMul"): 0.004,
        ("gradient_tape/sagan_generator/g_attention/Tensordot/MatMul_1", "_MklMatMul"): 0.002,
        ("sagan_generator/g_attention/split", "SplitV"): 0.001,
        ("sagan_discriminator_1/d_attention_1/split", "SplitV"): 0.003,
        ("sagan_generator/g_block1_conv/Conv2D", "Conv2D"): 0.010,
        ("optimizer/Sub", "Sub"): 0.005,
        ("AddN_3", "AddN"): 0.0015,
        ("gradient_tape/sagan_generator/g_block1_conv/AddN", "AddN"): 0.0005,
    }  # fmt: skip
    attention = [("sagan_generator", "g_attention"), ("sagan_discriminator", "d_attention")]
    result = break_down(seconds, LAYERS, attention)

    assert result["total_ms"] == pytest.approx(27.0)
    assert result["attention_ms"] == pytest.approx(10.0)
    by_name = {name: {row["name"]: row["ms"] for row in result[name]}
               for name in ("layers", "attention_parts", "attention_op_types")}  # fmt: skip
    assert by_name["layers"] == pytest.approx({
        "sagan_generator/g_attention": 7.0, "sagan_discriminator/d_attention": 3.0,
        "sagan_generator/g_block1_conv": 10.5, OUTSIDE: 5.0, GRADIENT_SUMS: 1.5,
    })  # fmt: skip
    assert by_name["attention_parts"] == pytest.approx({"Tensordot": 6.0, "split": 4.0})
    assert by_name["attention_op_types"] == pytest.approx({"_MklMatMul": 6.0, "SplitV": 4.0})
    # Largest first.
    assert [row["name"] for row in result["layers"]][0] == "sagan_generator/g_block1_conv"
