"""SAGAN's self-attention block: softmax attention over all pixel pairs, O(n²) memory."""

import keras

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers.base_self_attention import BaseSelfAttention


@keras.saving.register_keras_serializable(package="keras_refined_sa")
class SelfAttention(BaseSelfAttention):
    """SAGAN self-attention: `y = x + γ · W_o(softmax(q kᵀ) v)` over the pixels of a feature map.

    Memory grows with the square of the number of pixels: a 128×128 map makes a 16384×16384
    attention matrix per image. `RefinedSelfAttention` takes the same arguments and weights and
    costs O(n).

    Args:
        fused: compute the attention with `keras.ops.dot_product_attention`, which runs flash
            attention where the backend and device have it (JAX or PyTorch on a GPU, float16 or
            bfloat16). The fused kernels never expose the attention map, so `fused=True` cannot
            be combined with `return_attention=True`.
        **kwargs: the arguments of `BaseSelfAttention` (`key_channels`, `value_channels`,
            `pool_key_value`, `spectral_norm`, ...) and of `keras.layers.Layer`.

    Call arguments:
        return_attention: also return the attention map, shape `(batch, n, m)` with `n` the
            number of pixels and `m` the number of key positions (`n / 4` when pooled).

    Example:

    >>> inputs = keras.Input((32, 32, 64))
    >>> outputs = SelfAttention(spectral_norm=True)(inputs)
    >>> outputs.shape
    (None, 32, 32, 64)

    Reference:
    - [Zhang et al., Self-Attention Generative Adversarial Networks](
      https://arxiv.org/abs/1805.08318)
    """

    attention_form = "softmax"

    def __init__(self, fused=False, **kwargs):
        super().__init__(**kwargs)
        self.fused = bool(fused)

    def _check_call_arguments(self, return_attention):
        if self.fused and return_attention:
            raise ValueError(
                "A fused SelfAttention cannot return its attention map: the fused kernels never "
                "form it. Received: fused=True with return_attention=True. Build the layer with "
                "fused=False to visualise the map."
            )

    def attend(self, query, key, value):
        if self.fused:
            return attention_ops.fused_softmax_attention(query, key, value), None
        attention_map = attention_ops.softmax_attention_map(query, key)
        return keras.ops.matmul(attention_map, value), attention_map

    def attention_spec(self, num_queries, num_keys):
        return (num_queries, num_keys), self.compute_dtype

    def get_config(self):
        return {**super().get_config(), "fused": self.fused}
