"""Spectral normalisation as Miyato et al. define it: a reparametrisation `W / σ(W)` of a kernel."""

import keras
from keras import ops
# Keras exports no public way to read a variable without mixed-precision autocasting; σ and u must
# be computed from the float32 kernel, not from its float16 copy.
from keras.src.backend import AutocastScope

# Power iterations run on the first kernel when the wrapper is built, as
# `torch.nn.utils.parametrizations.spectral_norm` does, so that σ is accurate before any training.
_WARM_UP_ITERATIONS = 15
# Keeps a zero kernel (or a zero vector) from dividing by zero: its normalised form is zero.
_EPSILON = 1e-12


def _normalize(vector):
    return vector / ops.maximum(ops.norm(vector), _EPSILON)


@keras.saving.register_keras_serializable(package="keras_refined_sa")
class SpectralNormalization(keras.layers.Wrapper):
    """Divides the kernel of a layer by its largest singular value σ(W), in every call.

    The variable keeps the unnormalised kernel W; every call, training or not, computes the wrapped
    layer with `W / σ(W)`, so the gradient flows through σ as in the paper. σ comes from the power
    iteration: with W reshaped to `(fan_in, units)` and u a unit vector of size `units`,
    `v = normalize(W u)`, `u = normalize(Wᵀ v)`, `σ = vᵀ W u`. When training, `power_iterations`
    steps update u (a non-trainable weight) and u, v are constants for the gradient; otherwise u is
    only read. u is estimated from the initial kernel when the wrapper is built, so the layer is
    normalised from its first call.

    `keras.layers.SpectralNormalization` instead overwrites the kernel with `W / σ` during training
    calls: no gradient through σ, no normalisation at inference before training, and under JAX the
    overwrite made inside a compiled train step is lost. This wrapper takes the same arguments.

    Args:
        layer: a built or unbuilt Keras layer with a floating-point `kernel` (`Dense`, `Conv2D`,
            `EinsumDense`, ...) or `embeddings` (`Embedding`); its last axis is the output axis.
        power_iterations: power-iteration steps per training call, a positive integer.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Example:

    >>> layer = SpectralNormalization(keras.layers.Dense(4))
    >>> outputs = layer(keras.ops.ones((2, 8)))
    >>> singular_values = keras.ops.svd(layer.normalized_kernel(), compute_uv=False)
    >>> abs(float(keras.ops.max(singular_values)) - 1.0) < 0.05  # power-iteration accuracy
    True

    Reference:
    - [Miyato et al., Spectral Normalization for Generative Adversarial Networks](
      https://arxiv.org/abs/1802.05957)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if (
            not isinstance(power_iterations, int)
            or isinstance(power_iterations, bool)
            or power_iterations <= 0
        ):
            raise ValueError(
                "`power_iterations` must be a positive integer. Received: "
                f"power_iterations={power_iterations!r}"
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self._kernel_attribute = self._find_kernel_attribute()
        kernel = self.kernel
        if not keras.backend.is_float_dtype(kernel.dtype):
            raise ValueError(
                f"SpectralNormalization needs a floating-point kernel. Received: a "
                f"{type(self.layer).__name__} whose kernel has dtype {kernel.dtype}. Wrap the "
                f"layer before quantizing it."
            )
        self.vector_u = self.add_weight(
            shape=(kernel.shape[-1],),
            initializer=self._initial_vector_u,
            trainable=False,
            autocast=False,
            name="vector_u",
            dtype=kernel.dtype,
        )

    def _find_kernel_attribute(self):
        for public, private in (("kernel", "_kernel"), ("embeddings", "_embeddings")):
            if isinstance(getattr(self.layer, private, None), keras.Variable):
                if getattr(self.layer, "lora_enabled", False):
                    raise ValueError(
                        f"SpectralNormalization cannot wrap a layer with LoRA enabled. "
                        f"Received: {type(self.layer).__name__} with lora_enabled=True."
                    )
                return public, private
        raise ValueError(
            f"SpectralNormalization wraps layers with a `kernel` or `embeddings` variable. "
            f"Received: {type(self.layer).__name__}, which has neither."
        )

    @property
    def kernel(self):
        """The wrapped layer's kernel variable, which holds the unnormalised W."""
        return getattr(self.layer, self._kernel_attribute[1])

    def _initial_vector_u(self, shape, dtype=None):
        matrix = self._kernel_matrix()
        u = _normalize(keras.random.normal(shape, dtype="float32"))
        for _ in range(_WARM_UP_ITERATIONS):
            u, _ = self._power_iteration(matrix, u)
        return ops.cast(u, dtype)

    def _kernel_matrix(self):
        with AutocastScope(None):
            kernel = ops.cast(self.kernel.value, "float32")
        return ops.reshape(kernel, (-1, kernel.shape[-1]))

    @staticmethod
    def _power_iteration(matrix, u):
        v = _normalize(ops.matmul(matrix, u))
        return _normalize(ops.matmul(ops.transpose(matrix), v)), v

    def normalized_kernel(self, training=False):
        """Returns `W / σ(W)` in float32, and updates u first when `training`.

        Args:
            training: run `power_iterations` steps and store the new u.
        """
        matrix = self._kernel_matrix()
        with AutocastScope(None):
            u = _normalize(ops.cast(self.vector_u.value, "float32"))
        if training:
            for _ in range(self.power_iterations):
                u, v = self._power_iteration(matrix, u)
            self.vector_u.assign(ops.cast(u, self.vector_u.dtype))
        else:
            v = _normalize(ops.matmul(matrix, u))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.sum(v * ops.matmul(matrix, u))
        normalized = matrix / ops.maximum(sigma, _EPSILON)
        return ops.reshape(normalized, self.kernel.shape)

    def call(self, inputs, training=False):
        normalized = self.normalized_kernel(training=bool(training))
        normalized = ops.cast(normalized, self.layer.compute_dtype)
        private = self._kernel_attribute[1]
        variable = getattr(self.layer, private)
        # The wrapped layer reads its kernel through this attribute; for the duration of the call it
        # holds the normalised tensor. object.__setattr__ bypasses Keras's variable tracking.
        object.__setattr__(self.layer, private, normalized)
        try:
            return self.layer(inputs)
        finally:
            object.__setattr__(self.layer, private, variable)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, training=False):
        return self.layer.compute_output_spec(inputs)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
