"""Efficient self-attention (Shen et al.): SAGAN's block with a normalisation kept, O(n)."""

import keras

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers.base_self_attention import BaseSelfAttention


@keras.saving.register_keras_serializable(package="keras_refined_sa")
class EfficientSelfAttention(BaseSelfAttention):
    """Efficient self-attention: `y = x + γ · W_o(softmax_c(q) (softmax_n(k)ᵀ v))`, linear in n.

    Like the refined block it re-associates the product, so no n×n tensor is formed, but it keeps
    a normalisation: each query's softmax over its `C_k` channels and each key channel's softmax
    over the m key positions. The `(C_k, C_v)` global context `softmax_n(k)ᵀ v` holds, per key
    channel, an average of the values; each query mixes these averages with weights summing to
    1, so its implicit attention map `softmax_c(q) softmax_n(k)ᵀ` has rows that are
    distributions, like softmax's. The sums over positions run in float32 under mixed precision.
    With `C_k = 1` the channel softmax is 1 and every pixel reads the same context: the block
    needs at least 2 key channels to depend on the query.

    Same arguments and variables as `SelfAttention` and `RefinedSelfAttention`: weights trained
    with one load into the others.

    Args:
        **kwargs: the arguments of `BaseSelfAttention` (`key_channels`, `value_channels`,
            `pool_key_value`, `spectral_norm`, ...) and of `keras.layers.Layer`.

    Call arguments:
        return_attention: also return the global context matrix `softmax_n(k)ᵀ v`, float32 of
            shape `(batch, C_k, C_v)`.

    Example:

    >>> inputs = keras.Input((None, None, 64))
    >>> features = keras.layers.Conv2D(64, 3, padding="same")(inputs)
    >>> outputs = EfficientSelfAttention(spectral_norm=True)(features)
    >>> keras.Model(inputs, outputs).output_shape
    (None, None, None, 64)

    Reference:
    - [Shen et al., Efficient Attention: Attention with Linear Complexities](
      https://arxiv.org/abs/1812.01243)
    """

    attention_form = "efficient"

    def attend(self, query, key, value):
        context = attention_ops.efficient_context(key, value)
        return attention_ops.efficient_readout(query, context), context

    def attention_spec(self, num_queries, num_keys):
        return (self.key_width, self.value_width), "float32"
