"""`python -m benchmarks.layers`: time and memory of the attention forms, layer level.

Measures one attention block per form (projections only, softmax, fused softmax, quadratic 1/m,
refined, efficient) over feature-map sizes, batch sizes and channels, forward and
forward+backward: each form alone in a fresh process under a time limit and a memory cap (its
memory and time), then the compared forms together in one process per size, the two forms of
each ratio timed in interleaved rounds (the ratios).
Writes `NAME.json`, `NAME.md` (targets, ratios, tables, machine, versions, command) and
`NAME_{time,memory}_{fwd,fwd_bwd}.png` under `--output-dir`; the backend is Keras's
(`KERAS_BACKEND`).

Examples:

    python -m benchmarks.layers                      # the default CPU sweep
    KERAS_BACKEND=jax python -m benchmarks.layers --configs 64:8 128:2
    python -m benchmarks.layers --configs 16:1 --channels 16 --repeats 1 --rounds 2
    python -m benchmarks.layers --render docs/benchmarks/layer_cpu_tensorflow.json
"""

import argparse
import sys

from benchmarks import cli

cli.quiet_start(sys.argv[1:])

from benchmarks.command import Command, run_command  # noqa: E402
from benchmarks.harness.results import run_device  # noqa: E402
from benchmarks.harness.steps import PASSES  # noqa: E402
from benchmarks.layers import report, sweep  # noqa: E402
from benchmarks.layers.forms import FORMS  # noqa: E402
from benchmarks.reporting.formatting import format_seconds  # noqa: E402
from benchmarks.reporting.progress import describe_ratios  # noqa: E402


def _channels(text):
    value = cli.positive(int)(text)
    if value % 8:
        raise argparse.ArgumentTypeError(
            f"must be a positive multiple of 8 (C_k = C/8), received {text}"
        )
    return value


def _config(text):
    try:
        return sweep.parse_config(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_arguments(parser):
    default_configs = " ".join(f"{r}:{b}" for r, b in sweep.DEFAULT_CONFIGS)
    add = parser.add_argument_group("sweep").add_argument
    add("--configs", nargs="+", type=_config, default=sweep.DEFAULT_CONFIGS,
        metavar="RESOLUTION:BATCH",
        help=f"feature-map sizes and batch sizes, n = RESOLUTION² (default: {default_configs})")
    add("--channels", nargs="+", type=_channels, default=list(sweep.DEFAULT_CHANNELS),
        help="input channels C of every configuration, C_k = C/8, C_v = C/2 (default: 64)")
    add("--forms", nargs="+", choices=FORMS, default=list(FORMS), help="(default: all)")
    add("--compare", nargs="+", choices=FORMS, metavar="FORM",
        help="forms timed together in interleaved rounds (default: "
        f"{' '.join(sweep.COMPARED_FORMS)}; on a GPU also fused_softmax)")
    add("--passes", nargs="+", choices=PASSES, default=list(PASSES), help="(default: both)")
    add("--dtype", default="float32",
        help="dtype policy of the blocks; mixed_bfloat16 lets GPUs use flash (default: float32)")
    add("--jit", action="store_true", help="compile with XLA on TensorFlow (JAX always does)")
    cli.add_timing_arguments(parser, unit="call", rounds_default=20)


def settings(args):
    return {"dtype": args.dtype, "repeats": args.repeats, "warmup": args.warmup,
            "max_timing_s": args.max_timing_s, "rounds": args.rounds, "jit_compile": args.jit}  # fmt: skip


def _describe_case(case, result):
    return format_seconds(result.metrics.get("time_median_s"))


def measure(args, settings, run):
    """Each form alone, then the compared forms interleaved: the records and comparisons."""
    shared = {key: settings[key] for key in ("dtype", "warmup", "max_timing_s", "jit_compile")}
    cases = sweep.sweep_cases(
        args.configs, args.channels, args.forms, args.passes, repeats=args.repeats, **shared
    )
    records = sweep.layer_records(cases, run(cases, _describe_case))
    compared = args.compare or (
        sweep.GPU_COMPARED_FORMS if run_device(records)[0] == "gpu" else sweep.COMPARED_FORMS
    )
    settings["compared_forms"] = [form for form in compared if form in args.forms]
    pairs = sweep.comparison_cases(
        records, settings["compared_forms"], rounds=args.rounds, **shared
    )
    return records, {"comparisons": sweep.comparison_records(pairs, run(pairs, describe_ratios))}


COMMAND = Command(
    "python -m benchmarks.layers", __doc__, add_arguments, settings, measure, report.render,
    stem="layer", memory_default_gb=14.0, backend=None, written=lambda name: ".md and plots",
)  # fmt: skip


def main(argv=None):
    """Runs `python -m benchmarks.layers` with `argv`; returns the exit code."""
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    sys.exit(main())
