"""The attention forms the layer benchmark compares, and the case that measures one of them.

Every form is a whole attention block (projections, attention, output projection, γ and the
residual), built on `BaseSelfAttention` so that all forms have the same projections:

- `projections`: `ProjectionsOnly`, the four 1×1 projections and the residual without any
  attention: the floor under which no attention block can go.
- `softmax`: `SelfAttention`, SAGAN's `softmax(q kᵀ) v` written out (O(n²) memory).
- `fused_softmax`: `SelfAttention(fused=True)`, through `keras.ops.dot_product_attention`
  (flash attention where the backend and device have it).
- `quadratic`: `QuadraticSelfAttention`, the 1/n form `(q kᵀ / n) v` in the quadratic order.
- `refined`: `RefinedSelfAttention`, the same 1/n form as `q (kᵀ v / n)`, O(n).
"""

import keras
from keras import ops

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.benchmark.flops import FORMS
from keras_refined_sa.benchmark.harness import Case
from keras_refined_sa.benchmark.measure import measure_step
from keras_refined_sa.benchmark.steps import PASSES, make_step
from keras_refined_sa.layers import BaseSelfAttention, RefinedSelfAttention, SelfAttention

# γ starts at 0 in the layers, which would make the gradients of every projection zero; a
# trained block has γ ≠ 0, and that is the cost worth measuring.
_GAMMA = 0.5


@keras.saving.register_keras_serializable(package="keras_refined_sa.benchmark")
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


@keras.saving.register_keras_serializable(package="keras_refined_sa.benchmark")
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
    raise ValueError(f"`form` must be one of {FORMS}. Received: form={form!r}")


def run_layer_case(
    form,
    pass_name,
    resolution,
    batch_size,
    channels,
    dtype="float32",
    repeats=10,
    warmup=2,
    max_timing_s=30.0,
    jit_compile=False,
    seed=0,
):
    """Builds one block and measures one pass over a random batch. Runs in the child process.

    Args:
        form: one of `FORMS`.
        pass_name: `"fwd"` or `"fwd_bwd"`.
        resolution: height and width of the feature map (`n = resolution²`).
        batch_size: feature maps per batch.
        channels: `C`; the block uses its default `C_k = C // 8` and `C_v = C // 2`.
        dtype: the block's dtype policy, e.g. `"float32"` or `"mixed_bfloat16"` (the fused
            kernels of a GPU need 16-bit inputs).
        repeats, warmup, max_timing_s: see `timing.time_repeated`.
        jit_compile: compile with XLA on TensorFlow.
        seed: seed of the weights and inputs.

    Returns:
        The metrics of `measure.measure_step`.
    """
    keras.utils.set_random_seed(seed)
    block = build_block(form, dtype=dtype)
    inputs = keras.random.normal((batch_size, resolution, resolution, channels), seed=seed)
    inputs = ops.cast(inputs, block.compute_dtype)
    block.build(inputs.shape)
    step = make_step(block, inputs, pass_name, jit_compile=jit_compile, seed=seed)
    return measure_step(step, repeats=repeats, warmup=warmup, max_seconds=max_timing_s)


def layer_case(form, pass_name, resolution, batch_size, channels, **settings):
    """The `harness.Case` that runs `run_layer_case` with these arguments.

    Args:
        form, pass_name, resolution, batch_size, channels: see `run_layer_case`.
        **settings: the other arguments of `run_layer_case`.
    """
    if form not in FORMS:
        raise ValueError(f"`form` must be one of {FORMS}. Received: form={form!r}")
    if pass_name not in PASSES:
        raise ValueError(f"`pass_name` must be one of {PASSES}. Received: pass_name={pass_name!r}")
    params = {
        "form": form,
        "pass_name": pass_name,
        "resolution": resolution,
        "batch_size": batch_size,
        "channels": channels,
        **settings,
    }
    name = f"{form} {pass_name} {resolution}x{resolution} batch {batch_size} C {channels}"
    return Case(f"{__name__}:run_layer_case", params, name)
