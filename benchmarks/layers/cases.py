"""The layer benchmark's cases: one form measured alone, and several forms timed interleaved.

Both run in a child process of the harness (`benchmarks.harness.processes`):

- `run_layer_case` builds one block and measures one pass: its time and, the process being its
  own, its memory.
- `run_comparison_case` builds several forms on the same input and times the two steps of each
  ratio in interleaved rounds (`benchmarks.harness.interleave`): the ratios between forms come
  from there.
"""

import keras
from keras import ops

from benchmarks.harness.interleave import compare_pairs
from benchmarks.harness.measure import measure_step
from benchmarks.harness.processes import Case
from benchmarks.harness.steps import PASSES, make_step
from benchmarks.layers.forms import FORMS, build_block

# The ratios the reports quote, `numerator/denominator`: refined over its projections ("×
# floor"), then softmax, fused softmax and the quadratic order over refined (speed-ups), and
# what efficient attention's softmaxes cost over refined. A ratio appears when both its forms
# are compared.
RATIOS = (
    ("refined", "projections"),
    ("softmax", "refined"),
    ("fused_softmax", "refined"),
    ("quadratic", "refined"),
    ("efficient", "refined"),
)


def _check(form, pass_name):
    if form not in FORMS:
        raise ValueError(f"`form` must be one of {FORMS}. Received: form={form!r}")
    if pass_name not in PASSES:
        raise ValueError(f"`pass_name` must be one of {PASSES}. Received: pass_name={pass_name!r}")


def _step(form, pass_name, inputs_shape, dtype, jit_compile, seed):
    """A built block of `form` and its compiled step on a random input of `inputs_shape`."""
    block = build_block(form, dtype=dtype)
    inputs = keras.random.normal(inputs_shape, seed=seed)
    inputs = ops.cast(inputs, block.compute_dtype)
    block.build(inputs.shape)
    return make_step(block, inputs, pass_name, jit_compile=jit_compile, seed=seed)


def run_layer_case(
    form, pass_name, resolution, batch_size, channels, dtype="float32", repeats=10, warmup=2,
    max_timing_s=30.0, jit_compile=False, seed=0,
):  # fmt: skip
    """Builds one block and measures one pass over a random batch. Runs in the child process.

    Args:
        form: one of `FORMS`.
        pass_name: `"fwd"` or `"fwd_bwd"`.
        resolution: height and width of the feature map (`n = resolution²`).
        batch_size: feature maps per batch.
        channels: `C`; the block uses its default `C_k = C // 8` and `C_v = C // 2`.
        dtype: the block's dtype policy, e.g. `"float32"` or `"mixed_bfloat16"` (the fused
            kernels of a GPU need 16-bit inputs).
        repeats, warmup, max_timing_s: see `benchmarks.harness.timing.time_repeated`.
        jit_compile: compile with XLA on TensorFlow.
        seed: seed of the weights and inputs.

    Returns:
        The metrics of `benchmarks.harness.measure.measure_step`.
    """
    keras.utils.set_random_seed(seed)
    shape = (batch_size, resolution, resolution, channels)
    step = _step(form, pass_name, shape, dtype, jit_compile, seed)
    return measure_step(step, repeats=repeats, warmup=warmup, max_seconds=max_timing_s)


def run_comparison_case(
    forms, pass_name, resolution, batch_size, channels, dtype="float32", rounds=10, warmup=2,
    max_timing_s=30.0, jit_compile=False, seed=0,
):  # fmt: skip
    """Builds a block of each of `forms` and times the two steps of each of `RATIOS` in
    interleaved rounds (at most `rounds`, within `max_timing_s`; the other arguments as
    `run_layer_case`). Runs in the child process.

    Returns:
        `{"ratios": ...}`, what `benchmarks.harness.interleave.compare_pairs` returns for
        `RATIOS`.
    """
    keras.utils.set_random_seed(seed)
    shape = (batch_size, resolution, resolution, channels)
    steps = {form: _step(form, pass_name, shape, dtype, jit_compile, seed) for form in forms}
    return {"ratios": compare_pairs(steps, RATIOS, rounds=rounds, warmup=warmup,
                                    max_seconds=max_timing_s)}  # fmt: skip


def layer_case(form, pass_name, resolution, batch_size, channels, **settings):
    """The harness `Case` of `run_layer_case` (`settings`: its other arguments)."""
    _check(form, pass_name)
    params = {"form": form, "pass_name": pass_name, "resolution": resolution,
              "batch_size": batch_size, "channels": channels, **settings}  # fmt: skip
    name = f"{form} {pass_name} {resolution}x{resolution} batch {batch_size} C {channels}"
    return Case(f"{__name__}:run_layer_case", params, name)


def comparison_case(forms, pass_name, resolution, batch_size, channels, **settings):
    """The harness `Case` of `run_comparison_case` (`settings`: its other arguments)."""
    for form in forms:
        _check(form, pass_name)
    params = {"forms": list(forms), "pass_name": pass_name, "resolution": resolution,
              "batch_size": batch_size, "channels": channels, **settings}  # fmt: skip
    name = (
        f"interleaved {'/'.join(forms)} {pass_name} {resolution}x{resolution} "
        f"batch {batch_size} C {channels}"
    )
    return Case(f"{__name__}:run_comparison_case", params, name)
