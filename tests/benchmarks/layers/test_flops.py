import pytest

from benchmarks.layers.flops import FORMS, attention_flops, block_flops
from benchmarks.layers.forms import build_block

_WIDTHS = {"channels": 64, "key_channels": 8, "value_channels": 32}


def test_a_small_case_counted_by_hand():
    # n = 4, C = 16, C_k = 2, C_v = 8.
    # Projections: 2·4·16·(2·2 + 8) + 2·4·8·16 = 1536 + 1024.
    # Softmax core: q kᵀ 2·4·4·2 = 64, map × v 2·4·4·8 = 256, softmax 4·16 = 64.
    widths = {"channels": 16, "key_channels": 2, "value_channels": 8}
    assert block_flops("softmax", "fwd", positions=4, **widths) == 2560 + 384
    # Refined core: kᵀ v 2·4·2·8 = 128, / n 16, q (…) 2·4·2·8 = 128.
    assert block_flops("refined", "fwd", positions=4, **widths) == 2560 + 272
    # Efficient core: kᵀ v and q (…) as refined 256, softmax of k over the 4 positions and of q
    # over its 2 channels 4·4·2 each = 64.
    assert block_flops("efficient", "fwd", positions=4, **widths) == 2560 + 320
    # Pooled keys (m = 1): kᵀ v 2·1·2·8 = 32, q (…) 128, softmaxes 4·1·2 + 4·4·2 = 40.
    assert block_flops("efficient", "fwd", positions=4, key_positions=1, **widths) == 2560 + 200
    assert block_flops("projections", "fwd", positions=4, **widths) == 2560


def test_projection_count_matches_the_kernels_of_a_real_block():
    block = build_block("projections")
    block.build((1, 8, 8, _WIDTHS["channels"]))
    multiply_adds_per_position = sum(
        int(variable.numpy().size)
        for variable in block.trainable_variables
        if len(variable.shape) == 4
    )
    expected = 2 * 64 * multiply_adds_per_position
    assert block_flops("projections", "fwd", positions=64, **_WIDTHS) == expected


@pytest.mark.parametrize("linear_form", ["refined", "efficient"])
def test_linear_forms_grow_linearly_and_softmax_quadratically(linear_form):
    widths = {"key_channels": 8, "value_channels": 32}
    linear = [attention_flops(linear_form, n, n, **widths) for n in (4096, 8192)]
    softmax = [attention_flops("softmax", n, n, **widths) for n in (4096, 8192)]
    assert linear[1] / linear[0] == pytest.approx(2, rel=1e-3)
    assert softmax[1] / softmax[0] == pytest.approx(4)


@pytest.mark.parametrize("form", FORMS)
def test_backward_pass_counts_twice_the_forward(form):
    forward = block_flops(form, "fwd", positions=256, batch_size=3, **_WIDTHS)
    assert block_flops(form, "fwd_bwd", positions=256, batch_size=3, **_WIDTHS) == 3 * forward
    assert forward == 3 * block_flops(form, "fwd", positions=256, **_WIDTHS)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"form": "linear"}, "form"),
        ({"pass_name": "bwd"}, "pass_name"),
        ({"positions": 0}, "positions"),
        ({"batch_size": -1}, "batch_size"),
    ],
)
def test_invalid_arguments_raise(kwargs, name):
    arguments = {"form": "refined", "pass_name": "fwd", "positions": 16, **_WIDTHS, **kwargs}
    with pytest.raises(ValueError, match=name):
        block_flops(arguments.pop("form"), arguments.pop("pass_name"), **arguments)
