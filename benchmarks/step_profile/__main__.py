"""`python -m benchmarks.step_profile`: where a zoo model's training step spends its time.

Builds each model's real training step (as `python -m training.run` does, on a constant batch),
times it, then runs a few steps under TensorFlow's profiler and sums the op time by layer and,
inside the attention blocks, by part (the forward op and its gradient) and by op type. Each
model and precision in a fresh process. Writes `NAME.json` and `NAME.md` under `--output-dir`.

Examples:

    python -m benchmarks.step_profile --models autoencoder_refined autoencoder_none
    python -m benchmarks.step_profile --models sagan_refined --ch 16 --precision mixed_bfloat16
    python -m benchmarks.step_profile --render docs/benchmarks/step_profile_cpu_tensorflow.json
"""

import sys

from benchmarks import cli

cli.quiet_start(sys.argv[1:], backend="tensorflow")

import zoo  # noqa: E402
from benchmarks.command import Command, run_command  # noqa: E402
from benchmarks.harness.processes import Case  # noqa: E402
from benchmarks.harness.results import flat_records  # noqa: E402
from benchmarks.step_profile import report  # noqa: E402
from training.trainers.precision import PRECISIONS  # noqa: E402

TARGET = "benchmarks.step_profile.cases:run_profile_case"


def add_arguments(parser):
    positive_int = cli.positive(int)
    group = parser.add_argument_group("what is profiled")
    group.add_argument(
        "--models", nargs="+", choices=zoo.list_models(), default=["autoencoder_refined"],
        metavar="MODEL", help="zoo models (default: autoencoder_refined)",
    )
    group.add_argument("--resolution", type=positive_int, default=32, metavar="PX",
                       help="image side (default: 32)")
    group.add_argument("--batch-size", type=positive_int, default=32, metavar="N",
                       help="images per step (default: 32)")
    group.add_argument("--ch", type=positive_int, default=64, metavar="N",
                       help="the models' width (default: 64, the zoo's)")
    group.add_argument(
        "--precision", nargs="+", choices=PRECISIONS, default=["float32"], metavar="POLICY",
        help=f"Keras dtype policies, one case each: {', '.join(PRECISIONS)} (default: float32)",
    )
    group = parser.add_argument_group("timing")
    group.add_argument("--warmup", type=positive_int, default=3, metavar="N",
                       help="untimed steps first; the first traces (default: 3)")
    group.add_argument("--repeats", type=positive_int, default=10, metavar="N",
                       help="timed steps without the profiler, at most (default: 10)")
    group.add_argument("--max-timing-s", type=cli.positive(float), default=30.0, metavar="S",
                       help="budget of those timed steps (default: 30)")
    group.add_argument("--profiled-steps", type=positive_int, default=10, metavar="N",
                       help="steps under the profiler (default: 10)")


def settings(args):
    return {
        "models": args.models, "resolution": args.resolution, "batch_size": args.batch_size,
        "ch": args.ch, "precisions": args.precision, "warmup": args.warmup,
        "repeats": args.repeats, "max_timing_s": args.max_timing_s,
        "profiled_steps": args.profiled_steps,
    }  # fmt: skip


def profile_cases(args):
    return [
        Case(
            TARGET,
            {"model": model, "resolution": args.resolution, "batch_size": args.batch_size,
             "ch": args.ch, "precision": precision, "profiled_steps": args.profiled_steps,
             "repeats": args.repeats, "warmup": args.warmup,
             "max_timing_s": args.max_timing_s},  # fmt: skip
            f"{model} {precision}",
        )
        for precision in args.precision
        for model in args.models
    ]


def _describe(case, result):
    metrics = result.metrics
    if "total_ms" not in metrics:
        return ""
    return (
        f"step {metrics['time_median_s'] * 1e3:.0f} ms, op time {metrics['total_ms']:.0f} ms, "
        f"attention {metrics['attention_ms']:.1f} ms"
    )


def measure(args, settings, run):
    """One profiled case per model and precision: the records."""
    cases = profile_cases(args)
    return flat_records(cases, run(cases, _describe)), {}


COMMAND = Command(
    "python -m benchmarks.step_profile", __doc__, add_arguments, settings, measure,
    report.render, stem="step_profile", memory_default_gb=8.0,
)  # fmt: skip


def main(argv=None):
    """Runs `python -m benchmarks.step_profile` with `argv`; returns the exit code."""
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    sys.exit(main())
