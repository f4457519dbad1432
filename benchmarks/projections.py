"""The block's projections: fused q/k/v against three 1×1 convolutions, γ folded into W_o.

`BaseSelfAttention` computes q, k and v with one matmul of the input with the three projections'
(spectrally normalised) kernels concatenated along the output axis, split afterwards. This script
times the forward+backward step of `RefinedSelfAttention` (C = 64, so C_k = 8 and C_v = 32;
`pool_key_value=False`), with and without spectral normalisation, at 64×64 batch 8 and 128×128
batch 2, in four variants that share the same variables:

- *three convs*: `ConvProjections`, the former computation, three `Conv2D` 1×1 layer calls;
- *fused matmul*: `RefinedSelfAttention` as it is;
- *three matmuls*: `ThreeMatmuls`, one matmul per kernel: the control that separates what fusing
  gains from what replacing the convolutions by matmuls gains;
- *γ on the map*: `GammaOnTheMap`, the layer as it is except that γ scales the projected
  `(n, C)` map instead of the `(C_v, C)` output matrix, as before γ was folded into W_o.

`--dtype-policy mixed_bfloat16` builds every variant under that Keras policy (outputs then agree
to bfloat16's precision).

Each case first checks that the variants agree (float32: outputs element-wise to 1e-5,
gradients to 1e-4 of their largest magnitude; `TOLERANCES` for bfloat16), then warms the
compiled steps of `benchmarks.harness.steps` up and times them in interleaved rounds
(`benchmarks.harness.interleave`: every variant once per round, starting from a different one
each round), so that the machine's load hits all of them alike. The ratios are per round: one
variant's time over another's in the same round. Writes the table to
`docs/benchmarks/projections_<device>_<backend>.md` (or `--output`).

Examples:

    KERAS_BACKEND=tensorflow python -m benchmarks.projections
    KERAS_BACKEND=jax python -m benchmarks.projections --rounds 200
    python -m benchmarks.projections --dtype-policy mixed_bfloat16
"""

import os
import statistics
import sys
from pathlib import Path

import keras
import numpy as np
from keras import ops

from benchmarks import cli
from benchmarks.harness.devices import compilation, device_description
from benchmarks.harness.environment import describe_environment
from benchmarks.harness.interleave import ratio_stats, time_interleaved
from benchmarks.harness.steps import make_step
from benchmarks.reporting import document, files
from benchmarks.reporting.formatting import format_seconds, markdown_table
from keras_refined_sa.layers import RefinedSelfAttention

PROGRAM = "python -m benchmarks.projections"
CHANNELS = 64
CASES = ((64, 8), (128, 2))  # (height = width, batch)
# γ starts at 0, which would zero the projections' gradients; a trained block has γ ≠ 0.
GAMMA = 0.5
VARIANTS = ("three convs", "fused matmul", "three matmuls", "γ on the map")
# Per-round ratios in the table: the fused matmul against the former computation, the control
# against it, the fused matmul against the control (what fusing alone changes), and the layer
# against γ scaling the whole map (what folding γ into W_o changes).
RATIOS = (
    ("fused matmul", "three convs"),
    ("three matmuls", "three convs"),
    ("fused matmul", "three matmuls"),
    ("fused matmul", "γ on the map"),
)
# Output tolerance (relative and absolute) between the variants; gradients get 10× it,
# relative to their largest value.
TOLERANCES = {"float32": 1e-5, "mixed_bfloat16": 5e-2}


class ConvProjections(RefinedSelfAttention):
    """`RefinedSelfAttention` computing q, k and v as before the fusion: three 1×1 convolutions."""

    def _query_key_value(self, inputs, training):
        projections = (self.query_projection, self.key_projection, self.value_projection)
        return [projection(inputs, training=training) for projection in projections]


class ThreeMatmuls(RefinedSelfAttention):
    """`RefinedSelfAttention` computing q, k and v with one matmul per projection kernel."""

    def _query_key_value(self, inputs, training):
        outputs = []
        for projection in (self.query_projection, self.key_projection, self.value_projection):
            kernel, bias = self._matrix_and_bias(projection, training)
            output = ops.matmul(inputs, kernel)
            outputs.append(output if bias is None else output + bias)
        return outputs


class GammaOnTheMap(RefinedSelfAttention):
    """`RefinedSelfAttention` scaling the projected map by γ, not the output matrix."""

    def _scaled_output(self, attended, training):
        kernel, _ = self._matrix_and_bias(self.output_projection, training)
        return ops.cast(self.gamma, self.compute_dtype) * ops.matmul(attended, kernel)


def _layers(spectral_norm, input_shape, dtype_policy):
    """The variants, built under `dtype_policy`, with the first one's weights."""
    gamma = keras.initializers.Constant(GAMMA)
    options = dict(spectral_norm=spectral_norm, gamma_initializer=gamma, dtype=dtype_policy)
    layers = [
        ConvProjections(**options),
        RefinedSelfAttention(**options),
        ThreeMatmuls(**options),
        GammaOnTheMap(**options),
    ]
    for layer in layers:
        layer.build(input_shape)
        layer.set_weights(layers[0].get_weights())
    return dict(zip(VARIANTS, layers))


def _as_float32(tensor):
    return ops.convert_to_numpy(ops.cast(tensor, "float32"))


def _check_close(reference, other, name, tolerance):
    """Raises unless `other`'s outputs equal `reference`'s element-wise to `tolerance` (relative
    and absolute)."""
    np.testing.assert_allclose(
        _as_float32(other), _as_float32(reference), rtol=tolerance, atol=tolerance,
        err_msg=f"{name}: outputs differ",
    )  # fmt: skip


def _check_gradients_close(reference, other, name, tolerance):
    """Raises unless each gradient of `other` is within `tolerance` of `reference`'s largest
    value."""
    for expected, actual in zip(reference, other):
        expected, actual = _as_float32(expected), _as_float32(actual)
        scale = max(float(np.abs(expected).max()), 1e-12)
        error = float(np.abs(actual - expected).max()) / scale
        if error > tolerance:
            raise AssertionError(f"{name}: gradients differ by {error:.2g} of their largest value")


def _ratio_summary(numerator, denominator):
    stats = ratio_stats(numerator, denominator)
    return f"**{stats.median:.3f}** ({stats.q1:.3f}–{stats.q3:.3f})"


def run_case(size, batch, spectral_norm, rounds, warmup, dtype_policy="float32"):
    """Checks and times the variants on one case; returns a table row."""
    inputs = keras.random.normal((batch, size, size, CHANNELS), seed=1)
    layers = _layers(spectral_norm, inputs.shape, dtype_policy)
    # Inference outputs first: a training step updates the spectral normalisation's u.
    outputs = {name: layer(inputs) for name, layer in layers.items()}
    steps = {name: make_step(layer, inputs, "fwd_bwd") for name, layer in layers.items()}
    gradients = {name: step() for name, step in steps.items()}
    tolerance = TOLERANCES[dtype_policy]
    for name in VARIANTS[1:]:
        _check_close(outputs[VARIANTS[0]], outputs[name], name, tolerance)
        _check_gradients_close(gradients[VARIANTS[0]], gradients[name], name, 10 * tolerance)
    times = time_interleaved(steps, rounds=rounds, warmup=warmup)
    row = {"case": f"{size}×{size}, batch {batch}", "spectral_norm": spectral_norm}
    for name in VARIANTS:
        row[name] = format_seconds(statistics.median(times[name]))
    for top, bottom in RATIOS:
        row[f"{top} / {bottom}"] = _ratio_summary(times[top], times[bottom])
    return row


def main(argv=None):
    parser = cli.command_parser(PROGRAM, __doc__)
    parser.add_argument("--rounds", type=cli.positive(int), default=100)
    parser.add_argument("--warmup", type=cli.positive(int), default=5)
    parser.add_argument(
        "--dtype-policy", choices=sorted(TOLERANCES), default="float32",
        help="Keras dtype policy of the layers (default: float32)",
    )  # fmt: skip
    parser.add_argument("--output", type=Path, help="markdown file to write")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    backend, device = keras.backend.backend(), device_description()[0]
    suffix = "" if args.dtype_policy == "float32" else f"_{args.dtype_policy}"
    output = args.output or Path("docs/benchmarks") / f"projections_{device}_{backend}{suffix}.md"

    environment = describe_environment(PROGRAM, argv)
    if not environment["command"].startswith("KERAS_BACKEND="):
        environment["command"] = f"KERAS_BACKEND={backend} {environment['command']}"
    rows = []
    for size, batch in CASES:
        for spectral_norm in (False, True):
            rows.append(
                run_case(size, batch, spectral_norm, args.rounds, args.warmup, args.dtype_policy)
            )
            print(rows[-1], flush=True)
    environment["load_average_at_end"] = list(os.getloadavg())

    headers = ["case", "spectral_norm", *VARIANTS, *(f"{top} / {bottom}" for top, bottom in RATIOS)]
    columns = [(header, lambda row, header=header: row[header]) for header in headers]
    text = "\n".join(
        [
            f"# The block's projections: {backend} on {device}, {args.dtype_policy}",
            "",
            document.environment_markdown(environment),
            f"- Settings: `RefinedSelfAttention`, C = {CHANNELS} (C_k = 8, C_v = 32), "
            f"`pool_key_value=False`, `use_bias=False`, {args.dtype_policy}, γ = {GAMMA}; "
            f"forward+backward with respect to the input and the variables "
            f"({compilation(backend)}); {args.warmup} warm-up call(s) per variant, then "
            f"{args.rounds} interleaved rounds.",
            "- Variants (same variables): *three convs*, the former computation (three 1×1 "
            "`Conv2D` calls); *fused matmul*, the layer as it is (one matmul with the three "
            "kernels concatenated, γ folded into W_o); *three matmuls*, one matmul per kernel "
            "(the control); *γ on the map*, the layer with γ scaling the projected map (as before "
            "γ was folded into W_o). "
            "Times: median per variant. Ratios: "
            "per round, one variant's time over another's in the same round; median (25th–75th "
            "percentile) over the rounds.",
            "",
            markdown_table(rows, columns),
            "",
        ]
    )
    files.write_text(output, text)
    print(text)


if __name__ == "__main__":
    main()
