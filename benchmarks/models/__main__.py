"""`python -m benchmarks.models`: time and memory of one training step of the zoo models.

Runs the real training step of `python -m training.run` (GAN: discriminator and generator
updates; autoencoder: one reconstruction update) for each model, resolution and attention
placement on a constant random batch: each model alone in a fresh process under a time limit
and a memory cap (its memory and time), then the softmax, refined and no-attention models of
each placement together in one process, the two models of each ratio timed in interleaved
rounds (the ratios). With several options (`--precision`, `--jit-compile both`) every case runs
under each, and each refined and no-attention model's options are timed against the default
(float32, no XLA) in interleaved rounds in one process (the speed-ups). Then searches the
largest batch that fits under the memory cap. Writes `NAME.json`, `NAME.md` (targets, tables,
machine, versions, command) and `NAME_time.png` under `--output-dir`.

Examples:

    python -m benchmarks.models                      # the default CPU sweep
    python -m benchmarks.models --models sagan_softmax sagan_refined sagan_none --resolutions 128
    python -m benchmarks.models --no-batch-search --configs default
    python -m benchmarks.models --models sagan_refined sagan_none --resolutions 32 \
        --configs default --precision float32 mixed_bfloat16 --jit-compile both
    python -m benchmarks.models --render docs/benchmarks/model_cpu_tensorflow.json
"""

import os
import sys

# Training runs on TensorFlow: choose its Keras backend before anything imports Keras.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from benchmarks import cli  # noqa: E402

# TensorFlow's start-up chatter would bury the progress lines (and the help).
cli.quiet_start(sys.argv[1:])

import zoo  # noqa: E402
from benchmarks.harness.environment import describe_environment  # noqa: E402
from benchmarks.harness.processes import run_cases  # noqa: E402
from benchmarks.harness.results import assemble_payload  # noqa: E402
from benchmarks.models import plots, report, search, sweep  # noqa: E402
from benchmarks.models.targets import evaluate_targets  # noqa: E402
from benchmarks.reporting import files  # noqa: E402
from benchmarks.reporting.formatting import format_seconds  # noqa: E402
from benchmarks.reporting.progress import progress_printer  # noqa: E402

PROGRAM = "python -m benchmarks.models"
DEFAULT_RESOLUTIONS = (64, 128)
JIT_CHOICES = {"off": (False,), "on": (True,), "both": (False, True)}


def _words(values):
    return " ".join(map(str, values))


def build_parser():
    parser = cli.command_parser(PROGRAM, __doc__)
    positive_int = cli.positive(int)
    group = parser.add_argument_group("sweep")
    group.add_argument(
        "--models", nargs="+", default=zoo.list_models(), metavar="MODEL",
        help=f"zoo models (default: all: {_words(zoo.list_models())})",
    )
    group.add_argument(
        "--resolutions", nargs="+", type=positive_int, default=list(DEFAULT_RESOLUTIONS),
        metavar="PX", help=f"image sides (default: {_words(DEFAULT_RESOLUTIONS)})",
    )
    group.add_argument(
        "--configs", nargs="+", choices=sweep.CONFIGS, metavar="CONFIG",
        default=list(sweep.DEFAULT_CONFIGS),
        help=f"attention placements, of {_words(sweep.CONFIGS)} (default: all; see the report)",
    )
    group.add_argument(
        "--batch-size", type=positive_int, default=8, metavar="N",
        help="images per step of the timed cases (default: 8)",
    )
    group.add_argument(
        "--ch", type=positive_int, default=16, metavar="N",
        help="width of every model, zoo argument `ch` (default: 16)",
    )
    group.add_argument(
        "--precision", nargs="+", choices=sweep.PRECISIONS, default=["float32"],
        metavar="POLICY",
        help=f"training.run's --precision, one or several, of {_words(sweep.PRECISIONS)} "
        "(default: float32)",
    )
    group.add_argument(
        "--quickstart", action="store_true",
        help="also time the quickstart itself (training.run --model sagan_refined: Fashion-MNIST, "
        "32 px, ch 16, batch 32, its real data) under each option against the default, "
        "interleaved",
    )
    group.add_argument(
        "--jit-compile", choices=JIT_CHOICES, default="off",
        help="training.run's --jit-compile (XLA): off, on, or both (every case with and "
        "without) (default: off)",
    )
    cli.add_timing_arguments(parser, unit="step", rounds_default=10)
    cli.add_limit_arguments(parser, memory_default_gb=12.0)
    group = parser.add_argument_group("largest batch that fits under the memory cap")
    group.add_argument("--no-batch-search", action="store_true", help="skip the search")
    group.add_argument(
        "--search-configs", nargs="+", choices=sweep.CONFIGS, metavar="CONFIG",
        default=["highest"], help="attention placements to search (default: highest)",
    )
    group.add_argument(
        "--search-resolutions", nargs="+", type=positive_int, metavar="PX",
        help="image sides to search (default: the largest of --resolutions)",
    )
    group.add_argument(
        "--max-batch", type=positive_int, default=512, metavar="N",
        help="largest batch size probed (default: 512)",
    )
    group.add_argument(
        "--bisection-steps", type=int, default=3, metavar="N",
        help="probes after doubling found a bracket; each halves it (default: 3)",
    )
    group.add_argument(
        "--search-budget-s", type=cli.positive(float), default=600.0, metavar="S",
        help="no probe of one model's search starts after this many seconds (default: 600)",
    )
    cli.add_output_arguments(parser, default_name="model_{cpu|gpu}_tensorflow")
    return parser


def check_args(parser, args):
    """Rejects what the sweep cannot run, with `parser.error` (exit status 2)."""
    if os.environ["KERAS_BACKEND"] != "tensorflow":
        parser.error(
            f"training runs on TensorFlow, but KERAS_BACKEND={os.environ['KERAS_BACKEND']!r}. "
            f"Unset it or set it to 'tensorflow'."
        )
    known = zoo.list_models()
    unknown = [model for model in args.models if model not in known]
    if unknown:
        parser.error(f"--models: unknown {', '.join(unknown)}; choose from {', '.join(known)}.")
    if args.search_resolutions is None:
        args.search_resolutions = [max(args.resolutions)]
    families = {sweep.family_of(model) for model in args.models}
    for resolution in {*args.resolutions, *args.search_resolutions}:
        for family in sorted(families):
            try:
                sweep.attention_sides(family, resolution)
            except ValueError as error:
                parser.error(f"--resolutions: {family}_* models: {error}")
    if args.bisection_steps < 0:
        parser.error(f"--bisection-steps must be >= 0, received {args.bisection_steps}")


def _describe_step(case, result):
    return f"{format_seconds(result.metrics.get('time_median_s'))}/step"


def _describe_comparison(case, result):
    ratios = result.metrics.get("ratios", {})
    return ", ".join(f"{name} {stats['median']:.3g}" for name, stats in ratios.items())


def options_of(args):
    """The `(precision, jit_compile)` pairs of the run, in the order of the options."""
    return [
        (precision, jit) for precision in args.precision for jit in JIT_CHOICES[args.jit_compile]
    ]


def _settings(args):
    limits = cli.limits_of(args)
    return {
        "batch_size": args.batch_size,
        "ch": args.ch,
        "configs": args.configs,
        "precisions": args.precision,
        "quickstart": args.quickstart,
        "jit_compile": args.jit_compile,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "max_timing_s": args.max_timing_s,
        "rounds": args.rounds,
        **cli.limit_settings(limits),
    }


def _run(cases, settings, describe):
    """Runs `cases` as TensorFlow children under the run's limits, printing progress."""
    return run_cases(
        cases, search.limits_of(settings), env=search.CHILD_ENV,
        on_result=progress_printer(len(cases), describe),
    )  # fmt: skip


def run_sweep(args, settings):
    """Times every model alone; returns the records."""
    entries = sweep.sweep_entries(
        args.models, args.resolutions, args.configs, batch_size=args.batch_size, ch=args.ch,
        options=options_of(args), repeats=args.repeats, warmup=args.warmup,
        max_timing_s=args.max_timing_s,
    )  # fmt: skip
    results = _run([case for _, case in entries], settings, _describe_step)
    return [
        sweep.make_record(config, case, result)
        for (config, case), result in zip(entries, results)
    ]


def run_comparisons(args, settings, records):
    """Times the models of each placement interleaved; returns the comparison records."""
    cases = sweep.comparison_cases(
        records, rounds=args.rounds, warmup=args.warmup, max_timing_s=args.max_timing_s
    )
    return sweep.comparison_records(cases, _run(cases, settings, _describe_comparison))


def run_options_comparisons(args, settings, records):
    """Times each model's options against the default interleaved; returns their records."""
    cases = sweep.options_cases(
        records, rounds=args.rounds, warmup=args.warmup, max_timing_s=args.max_timing_s
    )
    return sweep.options_records(cases, _run(cases, settings, _describe_comparison))


def measure(args, argv):
    """Runs the sweep, the comparisons and the searches; returns the payload `render` writes."""
    settings = _settings(args)
    environment = describe_environment(PROGRAM, argv, own_backend=True)
    records = run_sweep(args, settings)
    comparisons = run_comparisons(args, settings, records)
    option_comparisons = run_options_comparisons(args, settings, records)
    if args.quickstart and len(options_of(args)) > 1:
        case = sweep.quickstart_case(
            options_of(args), rounds=args.rounds, warmup=args.warmup,
            max_timing_s=args.max_timing_s,
        )  # fmt: skip
        (result,) = _run([case], settings, _describe_comparison)
        option_comparisons.append(sweep.quickstart_record(result))
    searches = []
    settings["batch_search"] = None
    if not args.no_batch_search:
        settings["batch_search"] = {
            "configs": args.search_configs,
            "resolutions": args.search_resolutions,
            "max_batch": args.max_batch,
            "bisection_steps": args.bisection_steps,
            "budget_s": args.search_budget_s,
        }
        searches = search.run_searches(args, settings, records)
    return assemble_payload(
        environment, settings, records, comparisons=comparisons,
        option_comparisons=option_comparisons, searches=searches,
    )  # fmt: skip


def render(payload, output_dir, name):
    """Writes `name.json`, `name.md` and `name_time.png` under `output_dir`; returns the
    markdown."""
    rows = sweep.summary_rows(payload["records"], payload.get("comparisons", []))
    targets = evaluate_targets(
        rows, payload["device_kind"], payload.get("option_comparisons", [])
    )
    payload = {**payload, "targets": [vars(target) for target in targets]}
    text = files.write_report(
        output_dir, name, payload, report.document(payload, name, rows, targets)
    )
    plots.plot_step_times(
        rows,
        output_dir / plots.plot_file(name),
        title=f"One training step, ch = {payload['settings']['ch']}, batch "
        f"{payload['settings']['batch_size']}: {payload['device_name']}, TensorFlow",
    )
    return text


def main(argv=None):
    """Runs `python -m benchmarks.models` with `argv`; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.render is None:
        check_args(parser, args)
    return cli.measure_or_render(
        args, argv, measure=measure, render=render,
        default_name=lambda payload: f"model_{payload['device_kind']}_tensorflow",
        written=lambda name: f".md and {plots.plot_file(name)}",
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
