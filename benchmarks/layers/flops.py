"""Analytic floating-point operation counts of the attention forms.

Per image, with `n` query positions, `m` key positions (`m = n` unless keys and values are
pooled), `C` input channels, `C_k` key and `C_v` value channels. A matrix product of an `(a, b)`
and a `(b, c)` matrix counts `2·a·b·c` (one multiply and one add per term).

- projections (the floor every form pays): `q, k` with `C_k` channels, `v` with `C_v`, the
  output projection back to `C`: `2·n·C·(2·C_k + C_v) + 2·n·C_v·C` (keys and values are
  projected before pooling, at all `n` positions).
- softmax (`softmax(q kᵀ) v`, plain or fused): `2·n·m·C_k + 2·n·m·C_v` for the two products,
  plus `4·n·m` for the softmax of the `(n, m)` map (subtract the row maximum, exponentiate,
  sum, divide).
- quadratic 1/n (`(q kᵀ / m) v`): the same products, plus `n·m` for the division.
- refined (`q (kᵀ v / m)`): `2·m·C_k·C_v` for `kᵀ v`, `C_k·C_v` for the division and
  `2·n·C_k·C_v` for `q (…)`: linear in `n`.
- efficient (`softmax_c(q) (softmax_n(k)ᵀ v)`): the refined products
  `2·m·C_k·C_v + 2·n·C_k·C_v`, plus `4·m·C_k` for the softmax of k over the positions and
  `4·n·C_k` for the softmax of q over the channels: linear in `n`.

Element-wise work proportional to `n·C` (the residual, γ, the floor's use of q and k) is left
out of every form alike. The forward+backward pass counts three times the forward pass: every
matrix product has two gradient products of the same size (with respect to each operand).
"""

from benchmarks.layers.forms import FORMS

# Backward = gradients with respect to both operands of every product: twice the forward work.
_PASS_MULTIPLIERS = {"fwd": 1, "fwd_bwd": 3}

# Subtract the row maximum, exponentiate, sum, divide: per element of the (n, m) map.
_SOFTMAX_FLOPS_PER_ELEMENT = 4


def projection_flops(positions, channels, key_channels, value_channels):
    """FLOPs of the four 1×1 projections of one image."""
    inputs = 2 * positions * channels * (2 * key_channels + value_channels)
    return inputs + 2 * positions * value_channels * channels


def attention_flops(form, positions, key_positions, key_channels, value_channels):
    """FLOPs of one image's attention core (no projections) in `form`."""
    n, m = positions, key_positions
    if form == "projections":
        return 0
    if form in ("softmax", "fused_softmax", "quadratic"):
        products = 2 * n * m * key_channels + 2 * n * m * value_channels
        per_element = _SOFTMAX_FLOPS_PER_ELEMENT if form != "quadratic" else 1
        return products + per_element * n * m
    if form == "refined":
        context = 2 * m * key_channels * value_channels + key_channels * value_channels
        return context + 2 * n * key_channels * value_channels
    if form == "efficient":
        products = 2 * (m + n) * key_channels * value_channels
        return products + _SOFTMAX_FLOPS_PER_ELEMENT * (m + n) * key_channels
    raise ValueError(f"`form` must be one of {FORMS}. Received: form={form!r}")


def block_flops(
    form,
    pass_name,
    *,
    positions,
    channels,
    key_channels,
    value_channels,
    batch_size=1,
    key_positions=None,
):
    """FLOPs of one pass of an attention block of `form` over a batch.

    Args:
        form: one of `FORMS`.
        pass_name: `"fwd"` or `"fwd_bwd"`.
        positions: `n`, the pixels of one feature map.
        channels, key_channels, value_channels: `C`, `C_k`, `C_v`.
        batch_size: images in the batch.
        key_positions: `m`; defaults to `positions` (no pooling).

    Example:

    >>> block_flops("refined", "fwd", positions=4096, channels=64, key_channels=8,
    ...             value_channels=32)
    46137600
    """
    if pass_name not in _PASS_MULTIPLIERS:
        raise ValueError(
            f"`pass_name` must be one of {tuple(_PASS_MULTIPLIERS)}. Received: "
            f"pass_name={pass_name!r}"
        )
    for name, value in (("positions", positions), ("batch_size", batch_size)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    key_positions = positions if key_positions is None else key_positions
    per_image = projection_flops(positions, channels, key_channels, value_channels)
    per_image += attention_flops(form, positions, key_positions, key_channels, value_channels)
    return _PASS_MULTIPLIERS[pass_name] * batch_size * per_image
