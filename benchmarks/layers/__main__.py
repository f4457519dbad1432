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

import keras  # noqa: E402

from benchmarks.harness.environment import describe_environment  # noqa: E402
from benchmarks.harness.processes import run_cases  # noqa: E402
from benchmarks.harness.results import assemble_payload, run_device  # noqa: E402
from benchmarks.harness.steps import PASSES  # noqa: E402
from benchmarks.layers import report, sweep  # noqa: E402
from benchmarks.layers.forms import FORMS  # noqa: E402
from benchmarks.reporting.formatting import format_seconds  # noqa: E402
from benchmarks.reporting.progress import progress_printer  # noqa: E402

PROGRAM = "python -m benchmarks.layers"


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


def build_parser():
    parser = cli.command_parser(PROGRAM, __doc__)
    default_configs = " ".join(f"{r}:{b}" for r, b in sweep.DEFAULT_CONFIGS)
    group = parser.add_argument_group("sweep")
    group.add_argument(
        "--configs", nargs="+", type=_config, default=sweep.DEFAULT_CONFIGS,
        metavar="RESOLUTION:BATCH",
        help=f"feature-map sizes and batch sizes, n = RESOLUTION² (default: {default_configs})",
    )
    group.add_argument(
        "--channels", nargs="+", type=_channels, default=list(sweep.DEFAULT_CHANNELS),
        help="input channels C of every configuration, C_k = C/8, C_v = C/2 (default: 64)",
    )
    group.add_argument("--forms", nargs="+", choices=FORMS, default=list(FORMS),
                       help="(default: all)")  # fmt: skip
    group.add_argument(
        "--compare", nargs="+", choices=FORMS, metavar="FORM",
        help="forms timed together in interleaved rounds (default: "
        f"{' '.join(sweep.COMPARED_FORMS)}; on a GPU also fused_softmax)",
    )
    group.add_argument("--passes", nargs="+", choices=PASSES, default=list(PASSES),
                       help="(default: both)")  # fmt: skip
    group.add_argument(
        "--dtype", default="float32",
        help="dtype policy of the blocks; mixed_bfloat16 lets GPUs use flash (default: float32)",
    )
    group.add_argument(
        "--jit", action="store_true", help="compile with XLA on TensorFlow (JAX always does)"
    )
    cli.add_timing_arguments(parser, unit="call", rounds_default=20)
    cli.add_limit_arguments(parser, memory_default_gb=14.0)
    cli.add_output_arguments(parser, default_name="layer_{cpu|gpu}_{backend}")
    return parser


def _describe_case(case, result):
    return format_seconds(result.metrics.get("time_median_s"))


def _describe_comparison(case, result):
    ratios = result.metrics.get("ratios", {})
    return ", ".join(f"{name} {stats['median']:.3g}" for name, stats in ratios.items())


def measure(args, argv):
    """Runs both stages; returns the payload that `report.render` writes."""
    limits = cli.limits_of(args)
    settings = {
        "dtype": args.dtype,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "max_timing_s": args.max_timing_s,
        "rounds": args.rounds,
        "jit_compile": args.jit,
        **cli.limit_settings(limits),
    }
    shared = {key: settings[key] for key in ("dtype", "warmup", "max_timing_s", "jit_compile")}
    environment = describe_environment(PROGRAM, argv)
    cases = sweep.sweep_cases(
        args.configs, args.channels, args.forms, args.passes, repeats=args.repeats, **shared
    )
    results = run_cases(cases, limits, on_result=progress_printer(len(cases), _describe_case))
    records = sweep.layer_records(cases, results)
    compared = args.compare or (
        sweep.GPU_COMPARED_FORMS if run_device(records)[0] == "gpu" else sweep.COMPARED_FORMS
    )
    settings["compared_forms"] = [form for form in compared if form in args.forms]
    pairs = sweep.comparison_cases(
        records, settings["compared_forms"], rounds=args.rounds, **shared
    )
    outcomes = run_cases(pairs, limits, on_result=progress_printer(len(pairs), _describe_comparison))
    comparisons = sweep.comparison_records(pairs, outcomes)
    return assemble_payload(environment, settings, records, comparisons=comparisons)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    return cli.measure_or_render(
        build_parser().parse_args(argv), argv, measure=measure, render=report.render,
        default_name=lambda payload: f"layer_{payload['device_kind']}_{keras.backend.backend()}",
        written=lambda name: ".md and plots",
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
