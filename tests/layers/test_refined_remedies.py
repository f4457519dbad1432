"""The refined block's options against its low-rank map: depthwise term, feature maps, row sums."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_refined_sa import convert_attention
from keras_refined_sa.layers import RefinedSelfAttention, SelfAttention
from tests.layers.attention_reference import kernel_matrix, projected

FEATURE_MAPS = {
    None: lambda t: t,
    "relu": lambda t: np.maximum(t, 0.0),
    "elu_plus_one": lambda t: np.where(t > 0, t + 1.0, np.exp(np.minimum(t, 0.0))),
}
REMEDIES = {
    "depthwise": {"depthwise_kernel_size": 3},
    "depthwise_5": {"depthwise_kernel_size": 5},
    "relu": {"feature_map": "relu"},
    "elu_plus_one": {"feature_map": "elu_plus_one"},
    "elu_rows": {"feature_map": "elu_plus_one", "normalize_rows": True},
    "all": {"depthwise_kernel_size": 3, "feature_map": "relu", "normalize_rows": True},
}


def images(shape=(2, 8, 10, 16), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def built(x, gamma=0.8, **kwargs):
    layer = RefinedSelfAttention(
        kernel_initializer=keras.initializers.HeNormal(seed=1),
        gamma_initializer=keras.initializers.Constant(gamma),
        **kwargs,
    )
    layer.build(x.shape)
    return layer


def depthwise_same(values, kernel):
    """Keras's depthwise "same" convolution (a cross-correlation) of `(b, h, w, c)` values."""
    size = kernel.shape[0]
    half = size // 2
    padded = np.pad(values, ((0, 0), (half, half), (half, half), (0, 0)))
    height, width = values.shape[1:3]
    result = np.zeros_like(values)
    for row in range(size):
        for column in range(size):
            window = padded[:, row : row + height, column : column + width]
            result += window * kernel[row, column, :, 0]
    return result


def reference_map(layer, q, k):
    """The layer's own implicit map, written from the papers: `φ(q) φ(k)ᵀ / m`, each row divided
    by its sum (+1e-6) with `normalize_rows`."""
    phi = FEATURE_MAPS[layer.feature_map]
    affinity = phi(q) @ phi(k).transpose(0, 2, 1) / k.shape[1]
    if layer.normalize_rows:
        affinity = affinity / (affinity.sum(axis=-1, keepdims=True) + 1e-6)
    return affinity


def reference_attended(layer, x):
    """The block's `(batch, n, C_v)` input to `W_o`, in float64: the map times v, plus FLatten's
    depthwise convolution of the unpooled v."""
    x = np.asarray(x, "float64")
    q, k, v = projected(layer, x)
    attended = reference_map(layer, q, k) @ v
    if layer.depthwise_kernel_size is not None:
        full_value = x @ kernel_matrix(layer.value_projection)
        kernel = np.asarray(layer.depthwise_kernel, "float64")
        local = depthwise_same(full_value, kernel)
        attended = attended + local.reshape(attended.shape)
    return attended


def reference_block(layer, x):
    attended = reference_attended(layer, x).reshape(*x.shape[:3], -1)
    return x + float(np.asarray(layer.gamma)) * attended @ kernel_matrix(layer.output_projection)


def numeric_rank(matrix, relative_tolerance=1e-4):
    singular_values = np.linalg.svd(np.asarray(matrix, "float64"), compute_uv=False)
    return int((singular_values > relative_tolerance * singular_values[0]).sum())


@pytest.mark.parametrize("pool", [False, True])
@pytest.mark.parametrize("remedy", sorted(REMEDIES))
def test_each_option_computes_its_paper_form(remedy, pool):
    x = images()
    layer = built(x, pool_key_value=pool, **REMEDIES[remedy])
    outputs = ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(outputs, reference_block(layer, x), rtol=1e-4, atol=1e-4)


def test_options_off_are_the_default_layer_bit_for_bit():
    x = images()
    default = built(x, pool_key_value=True)
    explicit = built(x, pool_key_value=True, **RefinedSelfAttention.OPTIONS_OFF)
    assert len(explicit.weights) == len(default.weights)
    for mine, theirs in zip(explicit.weights, default.weights):
        np.testing.assert_array_equal(ops.convert_to_numpy(mine), ops.convert_to_numpy(theirs))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(explicit(x)), ops.convert_to_numpy(default(x))
    )


def variables_by_name(layer):
    return {w.path.split("/", 1)[1]: ops.convert_to_numpy(w) for w in layer.weights}


def test_options_keep_the_shared_variables_and_only_the_depthwise_kernel_is_new():
    x = images()
    softmax = SelfAttention(kernel_initializer=keras.initializers.HeNormal(seed=1))
    softmax.build(x.shape)
    shared = variables_by_name(softmax)
    for remedy, options in REMEDIES.items():
        variables = variables_by_name(built(x, **options))
        size = options.get("depthwise_kernel_size")
        if size:
            assert variables.pop("depthwise_kernel").shape == (size, size, 8, 1), remedy
        assert sorted(variables) == sorted(shared), remedy
        # The projections start from the same kernels as without the option.
        for name, value in variables.items():
            if name != "gamma":
                np.testing.assert_array_equal(value, shared[name], err_msg=f"{remedy}: {name}")


def test_weights_move_from_softmax_unless_the_option_has_variables():
    x = images()
    softmax = SelfAttention(kernel_initializer=keras.initializers.HeNormal(seed=2))
    softmax.build(x.shape)
    built(x, feature_map="elu_plus_one", normalize_rows=True).set_weights(softmax.get_weights())
    with pytest.raises(ValueError):
        built(x, depthwise_kernel_size=3).set_weights(softmax.get_weights())


def test_the_depthwise_kernel_is_seeded_and_drawn_apart_from_the_projections():
    x = images()
    first, second = built(x, depthwise_kernel_size=1), built(x, depthwise_kernel_size=1)
    kernel = ops.convert_to_numpy(first.depthwise_kernel).ravel()
    np.testing.assert_array_equal(kernel, ops.convert_to_numpy(second.depthwise_kernel).ravel())
    # One seed stream shared with a projection would draw the same normals, scaled by the fans.
    for projection in (first.query_projection, first.key_projection, first.value_projection):
        drawn = ops.convert_to_numpy(projection.kernel).ravel()
        assert not np.allclose(kernel[:2] / kernel[0], drawn[:2] / drawn[0])


def update_ranks(x, pool, **options):
    """Rank of each image's update y - x as an `(n, C)` matrix. With C_v = C the output
    projection is square (invertible for random weights), so this is the rank of the attended
    `(n, C_v)` matrix: that of `A v` (at most C_k) plus the depthwise term's."""
    layer = built(x, gamma=1.0, pool_key_value=pool, value_channels=x.shape[-1], **options)
    update = ops.convert_to_numpy(layer(x)) - x
    return [numeric_rank(image.reshape(-1, x.shape[-1])) for image in update]


@pytest.mark.parametrize("pool", [False, True])
@pytest.mark.parametrize("key_channels", [2, 6])
def test_the_update_has_rank_key_channels_and_only_the_depthwise_term_lifts_it(
    pool, key_channels
):
    x = images(shape=(2, 8, 8, 16), seed=3)
    assert update_ranks(x, pool, key_channels=key_channels) == [key_channels] * 2
    for options in ({"feature_map": "relu"}, {"feature_map": "elu_plus_one",
                                              "normalize_rows": True}):  # fmt: skip
        assert max(update_ranks(x, pool, key_channels=key_channels, **options)) <= key_channels
    lifted = update_ranks(x, pool, key_channels=key_channels, depthwise_kernel_size=3)
    assert lifted == [16, 16]


@pytest.mark.parametrize("key_channels", [2, 6])
@pytest.mark.parametrize(
    "options",
    [{}, {"feature_map": "relu"}, {"feature_map": "elu_plus_one", "normalize_rows": True}],
)
def test_the_implicit_map_has_rank_key_channels_with_or_without_a_feature_map(
    key_channels, options
):
    x = images(shape=(1, 8, 8, 16), seed=4)
    layer = built(x, key_channels=key_channels, **options)
    pixels = [(row, column) for row in range(8) for column in range(8)]
    rows = ops.convert_to_numpy(layer.attention_rows(x, pixels))[0].reshape(64, 64)
    assert numeric_rank(rows) == key_channels


@pytest.mark.parametrize("pool", [False, True])
@pytest.mark.parametrize("remedy", ["relu", "elu_plus_one", "elu_rows"])
def test_own_rows_are_the_feature_mapped_map(remedy, pool):
    x = images()
    layer = built(x, pool_key_value=pool, **REMEDIES[remedy])
    pixels = [(7, 9), (0, 0), (3, 4)]
    rows = ops.convert_to_numpy(layer.attention_rows(x, pixels))
    q, k, _ = projected(layer, x)
    expected = reference_map(layer, q[:, [7 * 10 + 9, 0, 3 * 10 + 4]], k)
    np.testing.assert_allclose(rows.reshape(expected.shape), expected, rtol=1e-4, atol=1e-6)
    assert rows.min() >= 0.0
    if layer.normalize_rows:
        np.testing.assert_allclose(rows.reshape(expected.shape).sum(-1), 1.0, rtol=1e-4)
    plain = ops.convert_to_numpy(layer.attention_rows(x, pixels, form="refined"))
    np.testing.assert_allclose(
        plain.reshape(expected.shape), q[:, [79, 0, 34]] @ k.transpose(0, 2, 1) / k.shape[1],
        rtol=1e-4, atol=1e-6,
    )  # fmt: skip


def test_own_rows_are_refused_with_the_depthwise_term_and_named_forms_still_work():
    x = images()
    layer = built(x, depthwise_kernel_size=3)
    with pytest.raises(ValueError, match="no single \\(n, m\\) map.*form='refined'"):
        layer.attention_rows(x, [(0, 0)])
    for form in ("refined", "softmax", "efficient"):
        assert tuple(layer.attention_rows(x, [(0, 0)], form=form).shape) == (2, 1, 8, 10)


@pytest.mark.parametrize("remedy", ["elu_rows", "all"])
def test_return_attention_gives_the_feature_mapped_channel_attention(remedy):
    x = images()
    layer = built(x, pool_key_value=True, **REMEDIES[remedy])
    outputs, context = layer(x, return_attention=True)
    _, k, v = projected(layer, x)
    phi = FEATURE_MAPS[layer.feature_map]
    expected = phi(k).transpose(0, 2, 1) @ v / k.shape[1]
    assert ops.convert_to_numpy(context).dtype == np.float32
    np.testing.assert_allclose(ops.convert_to_numpy(context), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(ops.convert_to_numpy(outputs), ops.convert_to_numpy(layer(x)))
    symbolic = layer(keras.Input(x.shape[1:]), return_attention=True)
    assert tuple(symbolic[1].shape) == (None, 2, 8)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"depthwise_kernel_size": 2}, "positive odd integer.*depthwise_kernel_size=2"),
        ({"depthwise_kernel_size": 0}, "depthwise_kernel_size=0"),
        ({"depthwise_kernel_size": 3.0}, "depthwise_kernel_size=3.0"),
        ({"depthwise_kernel_size": True}, "depthwise_kernel_size=True"),
        ({"feature_map": "softplus"}, "elu_plus_one.*relu.*feature_map='softplus'"),
        ({"normalize_rows": 1, "feature_map": "relu"}, "True or False.*normalize_rows=1"),
        ({"normalize_rows": True}, "normalize_rows=True with feature_map=None"),
    ],
)
def test_bad_options_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        RefinedSelfAttention(**arguments)


def test_get_config_round_trip_and_keras_file_keep_the_options(tmp_path):
    x = images()
    layer = built(x, **REMEDIES["all"])
    config = layer.get_config()
    assert {key: config[key] for key in RefinedSelfAttention.OPTIONS_OFF} == REMEDIES["all"]
    assert RefinedSelfAttention.from_config(config).get_config() == config
    inputs = keras.Input(x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "remedies.keras")
    restored = keras.saving.load_model(tmp_path / "remedies.keras")
    np.testing.assert_array_equal(
        ops.convert_to_numpy(restored(x)), ops.convert_to_numpy(model(x))
    )


def test_conversion_to_another_form_refuses_options_that_are_on():
    inputs = keras.Input((8, 8, 16))
    plain = keras.Model(inputs, RefinedSelfAttention(name="plain")(inputs))
    assert type(convert_attention(plain, "softmax").layers[-1]) is SelfAttention
    remedied = keras.Model(inputs, RefinedSelfAttention(name="remedied", feature_map="relu")(inputs))
    with pytest.raises(ValueError, match="'remedied'.*feature_map='relu'.*'efficient'"):
        convert_attention(remedied, "efficient")
    kept = convert_attention(remedied, "refined").layers[-1]
    assert kept.feature_map == "relu"


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("remedy", ["depthwise", "elu_plus_one", "elu_rows"])
def test_mixed_precision_accumulates_in_float32(policy, remedy):
    x = 10.0 * images(shape=(1, 64, 64, 16), seed=5)
    reference = built(x, **REMEDIES[remedy])
    _, k, v = projected(reference, x)
    sums = FEATURE_MAPS[reference.feature_map](k)[0].T @ v[0]
    assert np.abs(sums).max() > 65504  # a float16 sum over the 4,096 positions would overflow
    mixed = built(x, dtype=policy, **REMEDIES[remedy])
    mixed.set_weights(reference.get_weights())
    outputs = mixed(x)
    assert keras.backend.standardize_dtype(outputs.dtype) == policy.split("_")[1]
    outputs = ops.convert_to_numpy(ops.cast(outputs, "float32"))
    assert np.isfinite(outputs).all()
    expected = ops.convert_to_numpy(reference(x))
    # An RMS bound: where elu's exp(q) decides a row-normalised row, the compute dtype's
    # rounding of q (±0.02 at |q| ≈ 40 in float16) moves a few pixels by a few per cent.
    tolerance = 2e-2 if policy == "mixed_bfloat16" else 1e-2
    assert np.linalg.norm(outputs - expected) <= tolerance * np.linalg.norm(expected)
