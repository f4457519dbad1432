"""`python -m benchmarks.models`: time and memory of one training step of the zoo models.

Runs the real training step of `python -m training.run` (GAN: discriminator and generator
updates; autoencoder: one reconstruction update) for each model, resolution and attention
placement on a constant random batch: each model alone in a fresh process under a time limit
and a memory cap (its memory and time), then the softmax, refined and no-attention models of
each placement together in one process, the two models of each ratio timed in interleaved
rounds (the ratios). With several options (`--precision`, `--jit-compile both`) every case runs
under each, and each refined and no-attention model's options are timed against the default
(float32, no XLA) in interleaved rounds in one process (the speed-ups). Writes `NAME.json`,
`NAME.md` (targets, tables, machine, versions, command) and `NAME_time.png` under
`--output-dir`.

Examples:

    python -m benchmarks.models                      # the default CPU sweep
    python -m benchmarks.models --models sagan_softmax sagan_refined sagan_none --resolutions 128
    python -m benchmarks.models --configs default --batch-size 32
    python -m benchmarks.models --models sagan_refined sagan_none --resolutions 32 \
        --configs default --precision float32 mixed_bfloat16 --jit-compile both
    python -m benchmarks.models --render docs/benchmarks/model_cpu_tensorflow.json
"""

import os
import sys

from benchmarks import cli

# Training runs on TensorFlow; its start-up chatter would bury the progress lines (and the help).
cli.quiet_start(sys.argv[1:], backend="tensorflow")

import zoo  # noqa: E402
from benchmarks.command import Command, run_command  # noqa: E402
from benchmarks.harness.results import flat_records  # noqa: E402
from benchmarks.models import engines_report, plots, report, sweep  # noqa: E402
from benchmarks.reporting.formatting import format_seconds  # noqa: E402
from benchmarks.reporting.progress import describe_ratios  # noqa: E402

DEFAULT_RESOLUTIONS = (64, 128)
JIT_CHOICES = {"off": (False,), "on": (True,), "both": (False, True)}


def _words(values):
    return " ".join(map(str, values))


def add_arguments(parser):
    positive_int = cli.positive(int)
    group = parser.add_argument_group("sweep")
    add = group.add_argument
    add("--models", nargs="+", default=zoo.list_models(), metavar="MODEL",
        help=f"zoo models (default: all: {_words(zoo.list_models())})")
    add("--resolutions", nargs="+", type=positive_int, default=list(DEFAULT_RESOLUTIONS),
        metavar="PX", help=f"image sides (default: {_words(DEFAULT_RESOLUTIONS)})")
    add("--configs", nargs="+", choices=sweep.CONFIGS, metavar="CONFIG",
        default=list(sweep.DEFAULT_CONFIGS),
        help=f"attention placements, of {_words(sweep.CONFIGS)} (default: all; see the report)")
    add("--batch-size", type=positive_int, default=8, metavar="N",
        help="images per step of the timed cases (default: 8)")
    add("--ch", type=positive_int, default=16, metavar="N",
        help="width of every model, zoo argument `ch` (default: 16)")
    add("--precision", nargs="+", choices=sweep.PRECISIONS, default=["float32"], metavar="POLICY",
        help=f"training.run's --precision, one or several, of {_words(sweep.PRECISIONS)} "
        "(default: float32)")
    add("--quickstart", action="store_true",
        help="also time the quickstart itself (training.run --model sagan_refined: Fashion-MNIST, "
        "32 px, ch 16, batch 32, its real data) under each option against the default, "
        "interleaved")
    add("--engines", action="store_true",
        help="instead of the sweep: the first model at the first resolution on the TensorFlow "
        "engine, the JAX engine and a bare jitted JAX step, interleaved, under each --precision "
        "(SAGANs only)")
    add("--jit-compile", choices=JIT_CHOICES, default="off",
        help="training.run's --jit-compile (XLA): off, on, or both (every case with and "
        "without) (default: off)")
    cli.add_timing_arguments(parser, unit="step", rounds_default=10)


def check_args(parser, args):
    """Rejects what the sweep cannot run, with `parser.error` (exit status 2)."""
    if os.environ["KERAS_BACKEND"] != "tensorflow":
        parser.error(
            f"training runs on TensorFlow, but KERAS_BACKEND={os.environ['KERAS_BACKEND']!r}. "
            f"Unset it or set it to 'tensorflow'."
        )
    if args.engines and not args.models[0].startswith("sagan_"):
        parser.error(f"--engines times a SAGAN; --models {args.models[0]} is not one.")
    known = zoo.list_models()
    unknown = [model for model in args.models if model not in known]
    if unknown:
        parser.error(f"--models: unknown {', '.join(unknown)}; choose from {', '.join(known)}.")
    for resolution in args.resolutions:
        for family in sorted({sweep.family_of(model) for model in args.models}):
            try:
                sweep.attention_sides(family, resolution)
            except ValueError as error:
                parser.error(f"--resolutions: {family}_* models: {error}")


def _describe_step(case, result):
    return f"{format_seconds(result.metrics.get('time_median_s'))}/step"


def options_of(args):
    """The `(precision, jit_compile)` pairs of the run, in the order of the options."""
    return [
        (precision, jit) for precision in args.precision for jit in JIT_CHOICES[args.jit_compile]
    ]


def settings(args):
    return {
        "batch_size": args.batch_size, "ch": args.ch, "configs": args.configs,
        "precisions": args.precision, "quickstart": args.quickstart,
        "jit_compile": args.jit_compile, "repeats": args.repeats, "warmup": args.warmup,
        "max_timing_s": args.max_timing_s, "rounds": args.rounds,
        **({"engines": True, "model": args.models[0], "resolution": args.resolutions[0]}
           if args.engines else {}),
    }  # fmt: skip


def measure(args, settings, run):
    """Every model alone, then the models of each placement and each model's options
    interleaved: the records, comparisons and option comparisons."""
    timing = {"warmup": args.warmup, "max_timing_s": args.max_timing_s}
    if args.engines:
        cases = engines_report.engine_cases(args, rounds=args.rounds, **timing)
        return flat_records(cases, run(cases, engines_report.describe)), {}
    entries = sweep.sweep_entries(
        args.models, args.resolutions, args.configs, batch_size=args.batch_size, ch=args.ch,
        options=options_of(args), repeats=args.repeats, **timing,
    )  # fmt: skip
    results = run([case for _, case in entries], _describe_step)
    records = [
        sweep.make_record(config, case, result) for (config, case), result in zip(entries, results)
    ]
    pairs = sweep.comparison_cases(records, rounds=args.rounds, **timing)
    comparisons = sweep.comparison_records(pairs, run(pairs, describe_ratios))
    cases = sweep.options_cases(records, rounds=args.rounds, **timing)
    option_comparisons = sweep.options_records(cases, run(cases, describe_ratios))
    if args.quickstart and len(options_of(args)) > 1:
        case = sweep.quickstart_case(options_of(args), rounds=args.rounds, **timing)
        (result,) = run([case], describe_ratios)
        option_comparisons.append(sweep.quickstart_record(result))
    return records, {"comparisons": comparisons, "option_comparisons": option_comparisons}


COMMAND = Command(
    "python -m benchmarks.models", __doc__, add_arguments, settings, measure, report.render,
    stem="model", memory_default_gb=12.0, check=check_args,
    written=lambda name: f".md and {plots.plot_file(name)}",
)  # fmt: skip


def main(argv=None):
    """Runs `python -m benchmarks.models` with `argv`; returns the exit code."""
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    sys.exit(main())
