"""The attention maths of SAGAN and of the refined module, as backend-agnostic functions.

Every function takes `query` of shape `(batch, n, key_channels)`, `key` of shape
`(batch, m, key_channels)` and `value` of shape `(batch, m, value_channels)`, where `n` is the
number of query positions and `m` the number of key/value positions (`m = n / 4` when the keys
and values are max-pooled), and returns `(batch, n, value_channels)`.

- `softmax_attention`: SAGAN's `softmax(q kᵀ) v`, no `1/sqrt(d)` scaling. O(n·m) memory.
- `fused_softmax_attention`: the same result through `keras.ops.dot_product_attention`, which
  uses flash attention where the backend and device provide it (JAX and PyTorch on GPU).
- `dot_product_attention`: the non-local "dot product" form `(q kᵀ / m) v`, computed in the
  quadratic order. O(n·m) memory; the reference the refined form must equal.
- `refined_attention`: the same 1/m form re-associated as `q (kᵀ v / m)`. O(n) memory: the largest
  intermediate is the `(key_channels, value_channels)` channel-attention matrix.
- `efficient_attention`: Shen et al.'s `softmax_channels(q) (softmax_positions(k)ᵀ v)`, the same
  re-association with a normalisation kept: O(n) memory.
- `positive_features` and `row_normalized_attention`: Katharopoulos et al.'s linear attention,
  `φ(q) (φ(k)ᵀ v) / (φ(q) Σ φ(k)ᵀ)` with a non-negative feature map φ: the refined order with
  each row of the implicit map summing to 1. O(n) memory.

The `*_attention_map` functions give each form's `(batch, n, m)` map `A` (the output is `A v`):
called with a few query rows, they cost O(m) per row, which is how the layers draw where a query
looks without forming n×m.

Reference:
- [Zhang et al., Self-Attention Generative Adversarial Networks](https://arxiv.org/abs/1805.08318)
- [Wang et al., Less Memory, Faster Speed: Refining Self-Attention Module for Image
  Reconstruction](https://arxiv.org/abs/1905.08008)
- [Shen et al., Efficient Attention: Attention with Linear Complexities](
  https://arxiv.org/abs/1812.01243)
- [Katharopoulos et al., Transformers are RNNs: Fast Autoregressive Transformers with Linear
  Attention](https://arxiv.org/abs/2006.16236)
"""

from keras import ops

# Sums over the n positions run in float32: under mixed_float16 a sum of 16,384 products
# overflows float16's maximum of 65,504 long before the division by n brings it back.
_ACCUMULATION_DTYPE = "float32"


def _transpose_positions(tensor):
    return ops.transpose(tensor, (0, 2, 1))


def _num_positions(tensor, dtype):
    return ops.cast(ops.shape(tensor)[1], dtype)


def softmax_attention_map(query, key):
    """SAGAN's attention map `softmax(q kᵀ)` over the key positions, shape `(batch, n, m)`.

    The softmax runs in float32 and the map is returned in the query's dtype.

    Example:

    >>> q = keras.random.normal((2, 16, 4))
    >>> k = keras.random.normal((2, 16, 4))
    >>> tuple(softmax_attention_map(q, k).shape)
    (2, 16, 16)
    """
    logits = ops.matmul(query, _transpose_positions(key))
    weights = ops.softmax(ops.cast(logits, _ACCUMULATION_DTYPE), axis=-1)
    return ops.cast(weights, query.dtype)


def softmax_attention(query, key, value):
    """SAGAN's self-attention `softmax(q kᵀ) v`, without `1/sqrt(d)` scaling.

    Example:

    >>> q, k = keras.random.normal((2, 64, 4)), keras.random.normal((2, 64, 4))
    >>> v = keras.random.normal((2, 64, 16))
    >>> tuple(softmax_attention(q, k, v).shape)
    (2, 64, 16)
    """
    return ops.matmul(softmax_attention_map(query, key), value)


def fused_softmax_attention(query, key, value):
    """`softmax_attention` through `keras.ops.dot_product_attention` (flash where available).

    The fused kernels need one width for queries, keys and values; zero channels appended to the
    narrower of them change no dot product, and the padding is cut off the result again.

    Example:

    >>> q, k = keras.random.normal((2, 64, 4)), keras.random.normal((2, 64, 4))
    >>> v = keras.random.normal((2, 64, 16))
    >>> tuple(fused_softmax_attention(q, k, v).shape)
    (2, 64, 16)
    """
    key_channels, value_channels = query.shape[-1], value.shape[-1]
    width = max(key_channels, value_channels)

    def widen(tensor):
        missing = width - tensor.shape[-1]
        if missing == 0:
            return tensor
        return ops.pad(tensor, ((0, 0), (0, 0), (0, missing)))

    # dot_product_attention wants (batch, positions, heads, channels): one head.
    heads = [ops.expand_dims(widen(t), 2) for t in (query, key, value)]
    output = ops.dot_product_attention(*heads, scale=1.0)
    return ops.squeeze(output, 2)[..., :value_channels]


def dot_product_attention_map(query, key):
    """The non-local "dot product" affinity `q kᵀ / m`, `(batch, n, m)`, in the query's dtype.

    The refined form's implicit map: `refined_attention` never forms it, but equals `map · v`.
    Its entries are signed and each row sums to `q_i · mean(k)`, not to 1.

    Example:

    >>> q = keras.random.normal((2, 16, 4))
    >>> k = keras.random.normal((2, 8, 4))
    >>> tuple(dot_product_attention_map(q, k).shape)
    (2, 16, 8)
    """
    affinity = ops.matmul(query, _transpose_positions(key))
    return affinity / _num_positions(key, affinity.dtype)


def dot_product_attention(query, key, value):
    """The non-local "dot product" attention `(q kᵀ / m) v`, in the quadratic O(n·m) order.

    This is the reference that `refined_attention` equals exactly; it materialises the
    `(batch, n, m)` affinity matrix.

    Example:

    >>> q, k = keras.random.normal((2, 64, 4)), keras.random.normal((2, 64, 4))
    >>> v = keras.random.normal((2, 64, 16))
    >>> tuple(dot_product_attention(q, k, v).shape)
    (2, 64, 16)
    """
    return ops.matmul(dot_product_attention_map(query, key), value)


def channel_attention(key, value):
    """The refined module's channel-attention matrix `kᵀ v / m`, shape `(batch, C_k, C_v)`.

    Accumulated and returned in float32 whatever the inputs' dtype.

    Example:

    >>> k, v = keras.random.normal((2, 64, 4)), keras.random.normal((2, 64, 16))
    >>> tuple(channel_attention(k, v).shape)
    (2, 4, 16)
    """
    key = ops.cast(key, _ACCUMULATION_DTYPE)
    value = ops.cast(value, _ACCUMULATION_DTYPE)
    summed = ops.matmul(_transpose_positions(key), value)
    return summed / _num_positions(key, _ACCUMULATION_DTYPE)


def refined_attention(query, key, value):
    """The refined self-attention `q (kᵀ v / m)`: O(n) time and memory, equal to
    `dot_product_attention`.

    Example:

    >>> q, k = keras.random.normal((2, 64, 4)), keras.random.normal((2, 64, 4))
    >>> v = keras.random.normal((2, 64, 16))
    >>> tuple(refined_attention(q, k, v).shape)
    (2, 64, 16)
    """
    context = ops.cast(channel_attention(key, value), query.dtype)
    return ops.matmul(query, context)


def _softmax_over_channels(query):
    """Shen et al.'s query normalisation: a softmax over each position's channels, float32."""
    return ops.softmax(ops.cast(query, _ACCUMULATION_DTYPE), axis=-1)


def _softmax_over_positions(key):
    """Shen et al.'s key normalisation: a softmax over the m positions of each channel, float32.

    Its denominator sums m exponentials up to 1 each: past 65,504 positions a float16 sum
    overflows, hence float32.
    """
    return ops.softmax(ops.cast(key, _ACCUMULATION_DTYPE), axis=1)


def efficient_context(key, value):
    """Efficient attention's global context `softmax_positions(k)ᵀ v`, shape `(batch, C_k, C_v)`.

    Row c is the average of the values weighted by key channel c's softmax over the positions.
    Accumulated and returned in float32 whatever the inputs' dtype.

    Example:

    >>> k, v = keras.random.normal((2, 64, 4)), keras.random.normal((2, 64, 16))
    >>> tuple(efficient_context(k, v).shape)
    (2, 4, 16)
    """
    weights = _softmax_over_positions(key)
    return ops.matmul(_transpose_positions(weights), ops.cast(value, _ACCUMULATION_DTYPE))


def efficient_readout(query, context):
    """`softmax_channels(q) context`: each query's mixture of the context's rows, weights summing
    to 1. Returned in the query's dtype.

    Example:

    >>> q, context = keras.random.normal((2, 64, 4)), keras.random.normal((2, 4, 16))
    >>> tuple(efficient_readout(q, context).shape)
    (2, 64, 16)
    """
    weights = ops.cast(_softmax_over_channels(query), query.dtype)
    return ops.matmul(weights, ops.cast(context, query.dtype))


def efficient_attention(query, key, value):
    """Efficient attention `softmax_channels(q) (softmax_positions(k)ᵀ v)`: O(n) time and memory.

    Equal to `efficient_attention_map(q, k) v`, without forming the map. Returned in the query's
    dtype.

    Example:

    >>> q, k = keras.random.normal((2, 64, 4)), keras.random.normal((2, 64, 4))
    >>> v = keras.random.normal((2, 64, 16))
    >>> tuple(efficient_attention(q, k, v).shape)
    (2, 64, 16)
    """
    return efficient_readout(query, efficient_context(key, value))


def efficient_attention_map(query, key):
    """Efficient attention's implicit map `softmax_channels(q) softmax_positions(k)ᵀ`, (b, n, m).

    Every row is a distribution over the key positions (non-negative, summing to 1). Computed in
    float32 and returned in the query's dtype.

    Example:

    >>> q = keras.random.normal((2, 16, 4))
    >>> k = keras.random.normal((2, 8, 4))
    >>> tuple(efficient_attention_map(q, k).shape)
    (2, 16, 8)
    """
    key_weights = _transpose_positions(_softmax_over_positions(key))
    return ops.cast(ops.matmul(_softmax_over_channels(query), key_weights), query.dtype)


# Non-negative feature maps φ for queries and keys, by name: ReLU (FLatten's kernel before its
# focusing power) and Katharopoulos et al.'s elu(x) + 1, which is positive everywhere.
FEATURE_MAPS = {
    "relu": ops.relu,
    "elu_plus_one": lambda tensor: ops.elu(tensor) + 1,
}

# Added to the row normaliser φ(q_i) · mean(φ(k)): a query whose features are all zero (ReLU)
# reads zeros instead of 0/0. The value of the linear-attention references.
_ROW_NORMALIZER_EPSILON = 1e-6


def positive_features(tensor, feature_map):
    """The non-negative feature map `feature_map` (a name in `FEATURE_MAPS`) of queries or keys.

    Example:

    >>> q = keras.ops.convert_to_tensor([[[-2.0, 0.5]]])
    >>> keras.ops.convert_to_numpy(positive_features(q, "relu")).tolist()
    [[[0.0, 0.5]]]
    """
    if feature_map not in FEATURE_MAPS:
        raise ValueError(
            f"`feature_map` must be one of {sorted(FEATURE_MAPS)}. Received: "
            f"feature_map={feature_map!r}"
        )
    return FEATURE_MAPS[feature_map](tensor)


def row_normalized_readout(query, key, context):
    """`query context / (query · mean(key))`: each query's share of the channel attention
    `context = kᵀ v / m`, divided by the sum of its row of `q kᵀ / m`. Float32, returned in the
    query's dtype.

    Meant for non-negative queries and keys (`positive_features`): then every row of the implicit
    map `row_normalized_attention_map` is non-negative and sums to 1.

    Example:

    >>> q, k = keras.ops.relu(keras.random.normal((2, 64, 4))), keras.random.uniform((2, 32, 4))
    >>> context = channel_attention(k, keras.random.normal((2, 32, 16)))
    >>> tuple(row_normalized_readout(q, k, context).shape)
    (2, 64, 16)
    """
    features = ops.cast(query, _ACCUMULATION_DTYPE)
    mean_key = ops.mean(ops.cast(key, _ACCUMULATION_DTYPE), axis=1, keepdims=True)
    normalizer = ops.sum(features * mean_key, axis=-1, keepdims=True) + _ROW_NORMALIZER_EPSILON
    return ops.cast(ops.matmul(features, context) / normalizer, query.dtype)


def row_normalized_attention(query, key, value):
    """Linear attention `q (kᵀ v) / (q Σ kᵀ)` for non-negative q and k: O(n) time and memory.

    Equal to `row_normalized_attention_map(q, k) v` without forming the map.

    Example:

    >>> q = positive_features(keras.random.normal((2, 64, 4)), "elu_plus_one")
    >>> k = positive_features(keras.random.normal((2, 64, 4)), "elu_plus_one")
    >>> v = keras.random.normal((2, 64, 16))
    >>> tuple(row_normalized_attention(q, k, v).shape)
    (2, 64, 16)
    """
    return row_normalized_readout(query, key, channel_attention(key, value))


def row_normalized_attention_map(query, key):
    """The map `q kᵀ` with each row divided by its sum (plus a small epsilon), `(batch, n, m)`.

    With non-negative q and k every row is a distribution over the key positions. Float32,
    returned in the query's dtype.

    Example:

    >>> q = keras.ops.relu(keras.random.normal((2, 16, 4)))
    >>> k = keras.random.uniform((2, 8, 4))
    >>> tuple(row_normalized_attention_map(q, k).shape)
    (2, 16, 8)
    """
    affinity = dot_product_attention_map(
        ops.cast(query, _ACCUMULATION_DTYPE), ops.cast(key, _ACCUMULATION_DTYPE)
    )
    normalizer = ops.sum(affinity, axis=-1, keepdims=True) + _ROW_NORMALIZER_EPSILON
    return ops.cast(affinity / normalizer, query.dtype)


# Each form's `(batch, n, m)` map from queries and keys, by the name of the form.
ATTENTION_MAPS = {
    "softmax": softmax_attention_map,
    "refined": dot_product_attention_map,
    "efficient": efficient_attention_map,
}
