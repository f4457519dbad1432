"""The SAGAN self-attention block without its attention rule: projections, γ and the residual."""

import keras
import numpy as np
from keras import ops

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers.spectral_normalization import SpectralNormalization

PROJECTIONS = ("query", "key", "value", "output")
# The seed streams of the layer's kernels: the projections', then those of options' own variables
# (after them, so that an option leaves the projections' initial kernels as they were).
INITIALIZER_STREAMS = (*PROJECTIONS, "depthwise")


class BaseSelfAttention(keras.layers.Layer):
    """Self-attention over the pixels of a feature map: `y = x + γ · W_o(attend(q, k, v))`.

    Subclasses define `attend(query, key, value)` and name their map in `attention_form`;
    everything else (the 1×1 query, key, value and output projections, optional 2×2 max-pooling
    of keys and values, optional spectral normalisation, the γ scalar initialised to 0, input
    validation, serialization and `attention_rows`, where chosen query pixels look) lives here,
    so every subclass has the same variables and weights move freely between them.

    Args:
        key_channels: width `C_k` of the query and key projections. Defaults to `channels // 8`.
        value_channels: width `C_v` of the value projection. Defaults to `channels // 2`, as in
            the official SAGAN code.
        pool_key_value: max-pool keys and values 2×2 (stride 2) before attending, as the official
            SAGAN code does; needs even height and width.
        spectral_norm: wrap the four projections in `keras_refined_sa.layers.SpectralNormalization`
            (Miyato's reparametrisation `W / σ(W)`).
        use_bias: whether the projections have a bias.
        kernel_initializer: initializer of the projection kernels. Each projection gets its own
            copy, as `keras.layers.MultiHeadAttention` does (one Keras initializer returns the
            same values on every call); a seeded initializer gives each projection its own seed
            derived from the given one, so the kernels are reproducible and distinct.
        gamma_initializer: initializer of γ. Defaults to zeros: the block starts as the identity.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: float tensor `(batch, height, width, channels)`; height and width may be unknown
            until call time.
        return_attention: also return what the block attends with (see the subclass).
        training: passed to the spectral normalisation, which updates its kernels when training.
    """

    # The name in `keras_refined_sa.ops.ATTENTION_MAPS` of the map the subclass's `attend` applies
    # (explicitly or not): what `attention_rows` returns by default. None: no map of its own.
    attention_form = None

    def __init__(
        self,
        key_channels=None,
        value_channels=None,
        pool_key_value=False,
        spectral_norm=False,
        use_bias=False,
        kernel_initializer="glorot_uniform",
        gamma_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        for argument, value in (
            ("key_channels", key_channels),
            ("value_channels", value_channels),
        ):
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value <= 0
            ):
                raise ValueError(
                    f"`{argument}` must be a positive integer or None (derived from the input "
                    f"channels). Received: {argument}={value!r}"
                )
        self.key_channels = key_channels
        self.value_channels = value_channels
        self.pool_key_value = bool(pool_key_value)
        self.spectral_norm = bool(spectral_norm)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)

    def attend(self, query, key, value):
        """Returns `(output, attention)` for `(batch, positions, channels)` tensors."""
        raise NotImplementedError

    def attention_spec(self, num_queries, num_keys):
        """Returns `(shape, dtype)` of what `attend` returns as attention, batch axis excluded.

        Args:
            num_queries: number of query positions n, or None if unknown until call time.
            num_keys: number of key positions m, or None.
        """
        raise NotImplementedError

    def _check_call_arguments(self, return_attention):
        """Raises if the call arguments contradict the layer's configuration (subclasses)."""

    def _resolve_width(self, argument, configured, channels, divisor):
        if configured is not None:
            if configured > channels:
                raise ValueError(
                    f"`{argument}` must not exceed the input channels. Received: "
                    f"{argument}={configured} for an input with {channels} channels. Pass a "
                    f"smaller {argument} or widen the input."
                )
            return configured
        if channels % divisor:
            raise ValueError(
                f"With the default `{argument}` (channels // {divisor}) the input channels must "
                f"be divisible by {divisor}. Received: an input with {channels} channels. Pass "
                f"{argument} explicitly or use a multiple of {divisor} channels."
            )
        return channels // divisor

    def _initializer_for(self, projection):
        config = self.kernel_initializer.get_config()
        seed = config.get("seed")
        if isinstance(seed, int) and not isinstance(seed, bool):
            entropy = (seed, INITIALIZER_STREAMS.index(projection))
            config["seed"] = int(np.random.SeedSequence(entropy).generate_state(1)[0] >> 1)
        return self.kernel_initializer.__class__.from_config(config)

    def _projection(self, filters, name):
        conv = keras.layers.Conv2D(
            filters,
            kernel_size=1,
            use_bias=self.use_bias,
            kernel_initializer=self._initializer_for(name),
            dtype=self.dtype_policy,
            name=f"{name}_conv",
        )
        if self.spectral_norm:
            return SpectralNormalization(conv, dtype=self.dtype_policy, name=f"{name}_sn")
        return conv

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                f"{type(self).__name__} expects a 4D input (batch, height, width, channels). "
                f"Received: input_shape={tuple(input_shape)}"
            )
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} needs the number of channels at build time. Received: "
                f"input_shape={tuple(input_shape)}"
            )
        key_width = self._resolve_width("key_channels", self.key_channels, channels, 8)
        value_width = self._resolve_width("value_channels", self.value_channels, channels, 2)
        self.key_width, self.value_width = key_width, value_width
        self.query_projection = self._projection(key_width, "query")
        self.key_projection = self._projection(key_width, "key")
        self.value_projection = self._projection(value_width, "value")
        self.output_projection = self._projection(channels, "output")
        feature_shape = tuple(input_shape)
        for projection in (self.query_projection, self.key_projection, self.value_projection):
            projection.build(feature_shape)
        self.output_projection.build(feature_shape[:-1] + (value_width,))
        self.gamma = self.add_weight(
            shape=(), initializer=self.gamma_initializer, name="gamma", trainable=True
        )

    def _check_call_input(self, inputs):
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        if "float" not in dtype:
            raise ValueError(
                f"{type(self).__name__} expects a floating-point input. Received: dtype={dtype}. "
                f"Cast the input, e.g. `keras.ops.cast(x, 'float32')`."
            )
        if self.pool_key_value:
            height, width = inputs.shape[1], inputs.shape[2]
            if any(size is not None and size % 2 for size in (height, width)):
                raise ValueError(
                    f"pool_key_value=True max-pools keys and values 2×2 and needs an even height "
                    f"and width. Received: height={height}, width={width}. Crop or pad the "
                    f"feature map, or set pool_key_value=False."
                )

    @staticmethod
    def _flatten_positions(tensor):
        batch, channels = ops.shape(tensor)[0], tensor.shape[-1]
        return ops.reshape(tensor, (batch, -1, channels))

    def _matrix_and_bias(self, projection, training):
        """A q/k/v projection's kernel (W/σ(W) with `spectral_norm`) as a `(C, width)` matrix in
        the compute dtype, and its bias (None without `use_bias`)."""
        if self.spectral_norm:
            conv, kernel = projection.layer, projection.normalized_kernel(bool(training))
        else:
            conv, kernel = projection, projection.kernel
        kernel = ops.cast(ops.reshape(kernel, kernel.shape[-2:]), self.compute_dtype)
        bias = ops.cast(conv.bias, self.compute_dtype) if self.use_bias else None
        return kernel, bias

    def _query_key_value(self, inputs, training):
        """q, k and v from one matmul of the inputs with the three kernels concatenated.

        One matmul with `2 C_k + C_v` outputs is faster than three 1×1 convolutions: a
        forward+backward step of the block takes about 0.92× the time on TensorFlow and 0.6 to
        0.7× on JAX, CPU ("Fused q/k/v projections" in docs/benchmarks.md). Only the computation
        is fused: each projection keeps its own variables, spectrally normalised (and u updated)
        on its own.
        """
        projections = (self.query_projection, self.key_projection, self.value_projection)
        kernels, biases = zip(*(self._matrix_and_bias(p, training) for p in projections))
        outputs = ops.matmul(inputs, ops.concatenate(kernels, axis=-1))
        if self.use_bias:
            outputs = outputs + ops.concatenate(biases)
        return ops.split(outputs, [self.key_width, 2 * self.key_width], axis=-1)

    def _scaled_output(self, attended, training):
        """`γ · W_o(attended)`, with γ folded into the `(C_v, C)` output matrix.

        The same function as scaling the projected map, but γ's gradient becomes a sum over that
        small matrix instead of over every output element: the block's forward+backward step is
        8% to 16% faster on TensorFlow, CPU, in float32 and bfloat16 ("γ folded into the output
        projection" in docs/benchmarks.md).
        """
        kernel, bias = self._matrix_and_bias(self.output_projection, training)
        gamma = ops.cast(self.gamma, self.compute_dtype)
        outputs = ops.matmul(attended, gamma * kernel)
        if self.use_bias:
            outputs = outputs + gamma * bias
        return outputs

    def _pooled_and_flattened(self, query, key, value):
        """q at the input's n positions, k and v at the m key positions (pooled or not), each
        flattened to `(batch, positions, channels)`."""
        if self.pool_key_value:
            key = ops.max_pool(key, pool_size=2, strides=2)
            value = ops.max_pool(value, pool_size=2, strides=2)
        return tuple(self._flatten_positions(t) for t in (query, key, value))

    def _attention_inputs(self, inputs, training):
        return self._pooled_and_flattened(*self._query_key_value(inputs, training))

    def add_local_term(self, attended, value):
        """Returns `attended` `(batch, n, C_v)` plus any term a subclass computes from the values
        `(batch, height, width, C_v)` at the input's positions, before pooling. None here."""
        del value
        return attended

    def call(self, inputs, return_attention=False, training=None):
        self._check_call_arguments(return_attention)
        self._check_call_input(inputs)
        query, key, value = self._query_key_value(inputs, training)
        attended, attention = self.attend(*self._pooled_and_flattened(query, key, value))
        attended = self.add_local_term(attended, value)
        batch, height, width = ops.shape(inputs)[:3]
        update = ops.reshape(
            self._scaled_output(attended, training), (batch, height, width, inputs.shape[-1])
        )
        outputs = inputs + update
        if return_attention:
            return outputs, attention
        return outputs

    def attention_rows(self, inputs, query_pixels, form=None, training=False):
        """Where chosen query pixels look: their rows of an attention map, never forming n×m.

        Row i holds the weight of every key position for query pixel i in the map `A` of `form`,
        the map whose product `A v` the form attends with: `softmax(q_i kᵀ)` for "softmax",
        `q_i kᵀ / m` for "refined" (signed; the refined block never forms it, but equals it),
        `softmax_channels(q_i) softmax_positions(k)ᵀ` for "efficient" (rows sum to 1). Each row
        costs O(m). Any form can be asked of any layer: the same q and k under another
        normalisation show what moving the weights into that form changes.

        Args:
            inputs: the layer's input `(batch, height, width, channels)`, height and width known.
            query_pixels: a non-empty list of `(row, column)` pixels of the input feature map.
            form: "softmax", "refined" or "efficient", the maps of those forms on the layer's q
                and k. Defaults to the layer's own map (`own_attention_map`, options included).
            training: passed to the spectral normalisation.

        Returns:
            float32 tensor `(batch, len(query_pixels), key_height, key_width)`: the key grid is
            the input's, halved with `pool_key_value`.

        Example:

        >>> from keras_refined_sa.layers import RefinedSelfAttention
        >>> layer = RefinedSelfAttention(pool_key_value=True)
        >>> x = keras.random.normal((2, 16, 12, 64))
        >>> tuple(layer.attention_rows(x, [(0, 0), (8, 5)]).shape)
        (2, 2, 8, 6)
        >>> tuple(layer.attention_rows(x, [(3, 3)], form="softmax").shape)
        (2, 1, 8, 6)
        """
        attention_map = self._map_of(form)
        if len(inputs.shape) != 4 or None in tuple(inputs.shape[1:3]):
            raise ValueError(
                "attention_rows expects a 4D input (batch, height, width, channels) with known "
                f"height and width. Received: input_shape={tuple(inputs.shape)}"
            )
        self._check_call_input(inputs)
        inputs = ops.cast(inputs, self.compute_dtype)
        if not self.built:
            self.build(inputs.shape)
        height, width = inputs.shape[1:3]
        indices = self._query_indices(query_pixels, height, width)
        query, key, _ = self._attention_inputs(inputs, training)
        query = ops.take(query, indices, axis=1)
        rows = attention_map(ops.cast(query, "float32"), ops.cast(key, "float32"))
        key_grid = (height // 2, width // 2) if self.pool_key_value else (height, width)
        return ops.reshape(rows, (ops.shape(rows)[0], len(indices), *key_grid))

    def own_attention_map(self):
        """The function `(query, key) -> (batch, n, m)` map of the layer's own attention.

        The map of `attention_form` here; subclasses whose options change the map override it.
        """
        if self.attention_form is None:
            raise ValueError(
                f"{type(self).__name__} has no attention map of its own. Received: "
                f"form=None. Pass one of {sorted(attention_ops.ATTENTION_MAPS)}."
            )
        return attention_ops.ATTENTION_MAPS[self.attention_form]

    def _map_of(self, form):
        """The map function of `form`, or the layer's own for None; validated."""
        if form is None:
            return self.own_attention_map()
        if form not in attention_ops.ATTENTION_MAPS:
            raise ValueError(
                f"`form` must be one of {sorted(attention_ops.ATTENTION_MAPS)} or None (the "
                f"layer's own). Received: form={form!r}"
            )
        return attention_ops.ATTENTION_MAPS[form]

    @staticmethod
    def _query_indices(query_pixels, height, width):
        """The flat positions of `(row, column)` pixels of a `height`×`width` map, validated."""
        if not isinstance(query_pixels, (list, tuple)) or not query_pixels:
            raise ValueError(
                "`query_pixels` must be a non-empty list of (row, column) pairs. Received: "
                f"query_pixels={query_pixels!r}"
            )
        indices = []
        for pixel in query_pixels:
            is_pair = isinstance(pixel, (list, tuple)) and len(pixel) == 2
            if not is_pair or not all(
                isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in pixel
            ):
                raise ValueError(
                    f"Each query pixel must be a (row, column) pair of integers. Received: "
                    f"{pixel!r} in query_pixels={query_pixels!r}"
                )
            row, column = (int(i) for i in pixel)
            if not (0 <= row < height and 0 <= column < width):
                raise ValueError(
                    f"Query pixel {(row, column)} lies outside the {height}×{width} input "
                    f"feature map (rows 0..{height - 1}, columns 0..{width - 1}). Received: "
                    f"query_pixels={query_pixels!r}"
                )
            indices.append(row * width + column)
        return indices

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, return_attention=False, training=None):
        self._check_call_arguments(return_attention)
        outputs = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not return_attention:
            return outputs
        height, width = inputs.shape[1:3]
        num_queries = height * width if height is not None and width is not None else None
        num_keys = num_queries
        if self.pool_key_value and num_queries is not None:
            num_keys = num_queries // 4
        shape, dtype = self.attention_spec(num_queries, num_keys)
        return outputs, keras.KerasTensor((inputs.shape[0], *shape), dtype=dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "key_channels": self.key_channels,
                "value_channels": self.value_channels,
                "pool_key_value": self.pool_key_value,
                "spectral_norm": self.spectral_norm,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            }
        )
        return config
