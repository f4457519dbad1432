"""The refined self-attention block: SAGAN's block with O(n) time and memory."""

import keras

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers.base_self_attention import BaseSelfAttention


@keras.saving.register_keras_serializable(package="keras_refined_sa")
class RefinedSelfAttention(BaseSelfAttention):
    """Refined self-attention: `y = x + γ · W_o(q (kᵀ v / m))`, linear in the number of pixels.

    The softmax of SAGAN's block is replaced by the non-local "dot product" normalisation 1/m
    (m key positions), and the product is re-associated: `(q kᵀ / m) v == q (kᵀ v / m)`. The
    `(C_k, C_v)` channel-attention matrix `kᵀ v / m` replaces the `(n, m)` attention map, so no
    n×n tensor is ever formed. The sum over positions runs in float32 under mixed precision.

    Same arguments and variables as `SelfAttention`: weights trained with one load into the other.

    Args:
        **kwargs: the arguments of `BaseSelfAttention` (`key_channels`, `value_channels`,
            `pool_key_value`, `spectral_norm`, ...) and of `keras.layers.Layer`.

    Call arguments:
        return_attention: also return the channel-attention matrix, float32 of shape
            `(batch, C_k, C_v)`.

    Example:

    >>> inputs = keras.Input((None, None, 64))
    >>> features = keras.layers.Conv2D(64, 3, padding="same")(inputs)
    >>> outputs = RefinedSelfAttention(spectral_norm=True)(features)
    >>> keras.Model(inputs, outputs).output_shape
    (None, None, None, 64)

    Reference:
    - [Wang et al., Less Memory, Faster Speed: Refining Self-Attention Module for Image
      Reconstruction](https://arxiv.org/abs/1905.08008)
    """

    attention_form = "refined"

    def attend(self, query, key, value):
        context = attention_ops.channel_attention(key, value)
        return keras.ops.matmul(query, keras.ops.cast(context, query.dtype)), context

    def attention_spec(self, num_queries, num_keys):
        return (self.key_width, self.value_width), "float32"
