"""The attention forms the layer benchmark compares, each a whole attention block.

Every form is built on `BaseSelfAttention` (projections, attention, output projection, γ and the
residual), so that all forms have the same projections:

- `projections`: `ProjectionsOnly`, the four 1×1 projections and the residual without any
  attention: the floor under which no attention block can go.
- `softmax`: `SelfAttention`, SAGAN's `softmax(q kᵀ) v` written out (O(n²) memory).
- `fused_softmax`: `SelfAttention(fused=True)`, through `keras.ops.dot_product_attention`
  (flash attention where the backend and device have it).
- `quadratic`: `QuadraticSelfAttention`, the 1/m form `(q kᵀ / m) v` in the quadratic order.
- `refined`: `RefinedSelfAttention`, the same 1/m form as `q (kᵀ v / m)`, O(n).
- `efficient`: `EfficientSelfAttention`, Shen et al.'s `softmax_c(q) (softmax_n(k)ᵀ v)`, O(n):
  the refined order with softmaxes kept.
"""

import keras
from keras import ops

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers import (
    BaseSelfAttention,
    EfficientSelfAttention,
    RefinedSelfAttention,
    SelfAttention,
)

FORMS = ("projections", "softmax", "fused_softmax", "quadratic", "refined", "efficient")

# γ starts at 0 in the layers, which would make the gradients of every projection zero; a
# trained block has γ ≠ 0, and that is the cost worth measuring.
_GAMMA = 0.5


@keras.saving.register_keras_serializable(package="benchmarks.layers")
class ProjectionsOnly(BaseSelfAttention):
    """The projection floor: an attention block's projections and residual, no attention.

    `o = v + mean(q) · mean(k)` (means per image): queries and keys enter through one scalar
    each, so that no graph compiler prunes their projections, at an element-wise cost
    proportional to `n·C`, like the residual's.

    Args:
        **kwargs: the arguments of `BaseSelfAttention`, except `pool_key_value=True`.

    Example:

    >>> block = ProjectionsOnly()
    >>> block(keras.random.normal((2, 16, 16, 64))).shape
    (2, 16, 16, 64)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.pool_key_value:
            raise ValueError(
                "ProjectionsOnly outputs the values at every position and cannot pool them. "
                "Received: pool_key_value=True. Benchmark the floor with pool_key_value=False."
            )

    def attend(self, query, key, value):
        mixing = ops.mean(query, axis=(1, 2), keepdims=True) * ops.mean(
            key, axis=(1, 2), keepdims=True
        )
        return value + mixing, None


@keras.saving.register_keras_serializable(package="benchmarks.layers")
class QuadraticSelfAttention(BaseSelfAttention):
    """The 1/n "dot product" attention block `(q kᵀ / n) v`, computed in the quadratic order.

    The refined block's maths before its re-association: it materialises the `(n, m)` affinity
    matrix, so it isolates what the order of the products costs.

    Example:

    >>> block = QuadraticSelfAttention()
    >>> block(keras.random.normal((2, 16, 16, 64))).shape
    (2, 16, 16, 64)
    """

    def attend(self, query, key, value):
        return attention_ops.dot_product_attention(query, key, value), None


def build_block(form, **kwargs):
    """Returns the attention block of `form` (one of `FORMS`), γ set to a non-zero constant.

    Args:
        form: one of `FORMS`.
        **kwargs: arguments of `BaseSelfAttention` (`key_channels`, `dtype`, ...).
    """
    kwargs.setdefault("gamma_initializer", keras.initializers.Constant(_GAMMA))
    if form == "projections":
        return ProjectionsOnly(**kwargs)
    if form == "softmax":
        return SelfAttention(**kwargs)
    if form == "fused_softmax":
        return SelfAttention(fused=True, **kwargs)
    if form == "quadratic":
        return QuadraticSelfAttention(**kwargs)
    if form == "refined":
        return RefinedSelfAttention(**kwargs)
    if form == "efficient":
        return EfficientSelfAttention(**kwargs)
    raise ValueError(f"`form` must be one of {FORMS}. Received: form={form!r}")
