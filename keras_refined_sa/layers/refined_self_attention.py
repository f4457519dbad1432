"""The refined self-attention block: SAGAN's block with O(n) time and memory."""

import keras
from keras import ops

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

    The implicit map `q kᵀ / m` has rank at most `C_k` and cannot single out one key among many.
    Three options, all off by default, trade cost for that (docs/layers.md, "Closing the gap to
    softmax"): a wider `key_channels` (rank up to `C_k`), `depthwise_kernel_size` and
    `feature_map` (with `normalize_rows`).

    Args:
        depthwise_kernel_size: None (off), or an odd size s: a depthwise s×s convolution of the
            values is added to the attention output before `W_o`, FLatten's "rank restorer"
            (Han et al., 2023): each pixel also reads its own neighbourhood, which gives the
            block a full-rank local term. It runs on v at the input's resolution, before any
            pooling (with `pool_key_value` the attention reads pooled values; the local term
            must land on every one of the n pixels, and the unpooled v is already there). Adds
            one `(s, s, C_v, 1)` kernel, not spectrally normalised, without a bias (v's bias
            passes through it).
        feature_map: None (off), "relu" or "elu_plus_one": a non-negative feature map φ applied
            to q and k, so that the implicit map `φ(q) φ(k)ᵀ / m` has no negative weights
            (Katharopoulos et al., 2020). The 1/m normalisation stays: `φ(q) (φ(k)ᵀ v / m)`.
            No variables; it does not raise the rank above `C_k`.
        normalize_rows: with a `feature_map`, divide each query's output by the sum of its row,
            `φ(q_i) · mean(φ(k))`: the rows of the implicit map become distributions, as
            softmax's are, and the output no longer scales with the square of q and k. Needs a
            feature map (the sum of a signed row can be zero).
        **kwargs: the arguments of `BaseSelfAttention` (`key_channels`, `value_channels`,
            `pool_key_value`, `spectral_norm`, ...) and of `keras.layers.Layer`.

    Call arguments:
        return_attention: also return the channel-attention matrix of the attention term,
            `φ(k)ᵀ v / m` (`kᵀ v / m` without a feature map), float32 of shape
            `(batch, C_k, C_v)`. The output's attention term is `φ(q)` times it (divided by the
            row sums with `normalize_rows`); the depthwise term is not in it.

    Example:

    >>> inputs = keras.Input((None, None, 64))
    >>> features = keras.layers.Conv2D(64, 3, padding="same")(inputs)
    >>> outputs = RefinedSelfAttention(spectral_norm=True)(features)
    >>> keras.Model(inputs, outputs).output_shape
    (None, None, None, 64)

    With the remedies on (one more variable, the depthwise kernel):

    >>> layer = RefinedSelfAttention(depthwise_kernel_size=3, feature_map="elu_plus_one",
    ...                              normalize_rows=True)
    >>> tuple(layer(keras.random.normal((2, 16, 16, 64))).shape)
    (2, 16, 16, 64)
    >>> tuple(layer.depthwise_kernel.shape)
    (3, 3, 32, 1)

    Reference:
    - [Wang et al., Less Memory, Faster Speed: Refining Self-Attention Module for Image
      Reconstruction](https://arxiv.org/abs/1905.08008)
    - [Han et al., FLatten Transformer: Vision Transformer using Focused Linear Attention](
      https://arxiv.org/abs/2308.00442)
    - [Katharopoulos et al., Transformers are RNNs: Fast Autoregressive Transformers with Linear
      Attention](https://arxiv.org/abs/2006.16236)
    """

    attention_form = "refined"

    # The options of this form and their values when off: the layer then computes, and holds
    # the variables, exactly as without them.
    OPTIONS_OFF = {"depthwise_kernel_size": None, "feature_map": None, "normalize_rows": False}

    def __init__(
        self, depthwise_kernel_size=None, feature_map=None, normalize_rows=False, **kwargs
    ):
        super().__init__(**kwargs)
        size = depthwise_kernel_size
        if size is not None and (
            not isinstance(size, int) or isinstance(size, bool) or size <= 0 or size % 2 == 0
        ):
            raise ValueError(
                "`depthwise_kernel_size` must be None (off) or a positive odd integer, so that "
                f"the convolution is centred on each pixel. Received: depthwise_kernel_size="
                f"{size!r}. Use 3, FLatten's size."
            )
        if feature_map is not None and feature_map not in attention_ops.FEATURE_MAPS:
            raise ValueError(
                f"`feature_map` must be None (off) or one of "
                f"{sorted(attention_ops.FEATURE_MAPS)}. Received: feature_map={feature_map!r}"
            )
        if not isinstance(normalize_rows, bool):
            raise ValueError(
                f"`normalize_rows` must be True or False. Received: normalize_rows="
                f"{normalize_rows!r}"
            )
        if normalize_rows and feature_map is None:
            raise ValueError(
                "normalize_rows=True divides each query's output by the sum of its map row, "
                "which is signed and can be zero without a non-negative feature map. Received: "
                "normalize_rows=True with feature_map=None. Pass feature_map='elu_plus_one' "
                "(or 'relu'), or normalize_rows=False."
            )
        self.depthwise_kernel_size = depthwise_kernel_size
        self.feature_map = feature_map
        self.normalize_rows = normalize_rows

    def build(self, input_shape):
        super().build(input_shape)
        if self.depthwise_kernel_size is not None:
            size = self.depthwise_kernel_size
            self.depthwise_kernel = self.add_weight(
                shape=(size, size, self.value_width, 1),
                initializer=self._initializer_for("depthwise"),
                name="depthwise_kernel",
                trainable=True,
            )

    def _features(self, tensor):
        if self.feature_map is None:
            return tensor
        return attention_ops.positive_features(tensor, self.feature_map)

    def attend(self, query, key, value):
        if self.normalize_rows:
            # Each output is divided by its row sum: in float16, elu's exp(q) underflows to 0
            # below q ≈ -17 and would zero a whole row, so the features are taken in float32.
            features = [self._features(ops.cast(t, "float32")) for t in (query, key)]
            context = attention_ops.channel_attention(features[1], value)
            readout = attention_ops.row_normalized_readout(*features, context)
            return ops.cast(readout, query.dtype), context
        query, key = self._features(query), self._features(key)
        context = attention_ops.channel_attention(key, value)
        return keras.ops.matmul(query, keras.ops.cast(context, query.dtype)), context

    def add_local_term(self, attended, value):
        if self.depthwise_kernel_size is None:
            return attended
        kernel = ops.cast(self.depthwise_kernel, self.compute_dtype)
        local = ops.depthwise_conv(value, kernel, strides=1, padding="same")
        return attended + self._flatten_positions(local)

    def own_attention_map(self):
        if self.depthwise_kernel_size is not None:
            raise ValueError(
                "With depthwise_kernel_size set, each value channel adds its own local map to "
                "the attention: the block has no single (n, m) map. Received: form=None with "
                f"depthwise_kernel_size={self.depthwise_kernel_size}. Pass form='refined' for "
                "the map of q and k without the layer's options."
            )
        if self.feature_map is None:
            return super().own_attention_map()
        form_map = (
            attention_ops.row_normalized_attention_map
            if self.normalize_rows
            else attention_ops.dot_product_attention_map
        )

        def feature_attention_map(query, key):
            return form_map(self._features(query), self._features(key))

        return feature_attention_map

    def attention_spec(self, num_queries, num_keys):
        return (self.key_width, self.value_width), "float32"

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "depthwise_kernel_size": self.depthwise_kernel_size,
                "feature_map": self.feature_map,
                "normalize_rows": self.normalize_rows,
            }
        )
        return config
