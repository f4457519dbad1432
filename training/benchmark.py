"""`python -m training.benchmark`: time and memory of one training step of the zoo models.

Runs the real training step of `python -m training.run` (GAN: discriminator and generator
updates; autoencoder: one reconstruction update) for each model, resolution and attention
placement, each case in a fresh process under a time limit and a memory cap, on a constant
random batch. Then searches the largest batch that fits under the memory cap. Writes
`NAME.json`, `NAME.md` (tables, machine, versions, command) and `NAME_time.png` under
`--output-dir`.

Examples:

    python -m training.benchmark                      # the default CPU sweep
    python -m training.benchmark --models sagan_softmax sagan_refined --resolutions 128
    python -m training.benchmark --no-batch-search --configs default
    python -m training.benchmark --render docs/benchmarks/model_cpu_tensorflow.json
"""

import argparse
import os
import shlex
import sys
from pathlib import Path

# Training runs on TensorFlow: choose its Keras backend before anything imports Keras.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# TensorFlow's C++ start-up chatter would bury the progress lines; warnings and errors remain.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import zoo  # noqa: E402
from keras_refined_sa.benchmark import report  # noqa: E402
from keras_refined_sa.benchmark.environment import describe_environment  # noqa: E402
from keras_refined_sa.benchmark.harness import GIB, Limits, run_case  # noqa: E402
from training import benchmark_report, benchmark_sweep  # noqa: E402
from training.batch_search import DOES_NOT_FIT, FITS, search_largest_batch  # noqa: E402

PROGRAM = "python -m training.benchmark"
DEFAULT_RESOLUTIONS = (64, 128)
# The children run TensorFlow, whatever this process's environment holds.
CHILD_ENV = {"KERAS_BACKEND": "tensorflow"}


def _words(values):
    return " ".join(map(str, values))


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description=__doc__.split("\n\n")[1],
        epilog="examples:\n" + __doc__.split("Examples:\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configs = _words(benchmark_sweep.CONFIGS)
    sweep = parser.add_argument_group("sweep")
    sweep.add_argument(
        "--models", nargs="+", default=zoo.list_models(), metavar="MODEL",
        help=f"zoo models (default: all: {_words(zoo.list_models())})",
    )
    sweep.add_argument(
        "--resolutions", nargs="+", type=report.positive(int), default=list(DEFAULT_RESOLUTIONS),
        metavar="PX", help=f"image sides (default: {_words(DEFAULT_RESOLUTIONS)})",
    )
    sweep.add_argument(
        "--configs", nargs="+", choices=benchmark_sweep.CONFIGS, metavar="CONFIG",
        default=list(benchmark_sweep.DEFAULT_CONFIGS),
        help=f"attention placements, of {configs} (default: all; see the report)",
    )
    sweep.add_argument(
        "--batch-size", type=report.positive(int), default=8, metavar="N",
        help="images per step of the timed cases (default: 8)",
    )
    sweep.add_argument(
        "--ch", type=report.positive(int), default=16, metavar="N",
        help="width of every model, zoo argument `ch` (default: 16)",
    )
    measurement = parser.add_argument_group("measurement")
    measurement.add_argument(
        "--repeats", type=report.positive(int), default=10, metavar="N",
        help="timed steps per case, at most (default: 10)",
    )
    measurement.add_argument(
        "--warmup", type=report.positive(int), default=2, metavar="N",
        help="untimed steps first; the first traces the step (default: 2)",
    )
    measurement.add_argument(
        "--max-timing-s", type=report.positive(float), default=30.0, metavar="S",
        help="budget of a case's timed steps: slow cases get fewer repeats (default: 30)",
    )
    measurement.add_argument(
        "--time-limit-s", type=report.positive(float), default=600.0, metavar="S",
        help="per case and per probe, imports included (default: 600)",
    )
    measurement.add_argument(
        "--memory-limit-gb", type=report.positive(float), default=12.0, metavar="GIB",
        help="resident memory cap per case and per probe; above it: OOM (default: 12)",
    )
    search = parser.add_argument_group("largest batch that fits under the memory cap")
    search.add_argument("--no-batch-search", action="store_true", help="skip the search")
    search.add_argument(
        "--search-configs", nargs="+", choices=benchmark_sweep.CONFIGS, metavar="CONFIG",
        default=["highest"], help="attention placements to search (default: highest)",
    )
    search.add_argument(
        "--search-resolutions", nargs="+", type=report.positive(int), metavar="PX",
        help="image sides to search (default: the largest of --resolutions)",
    )
    search.add_argument(
        "--max-batch", type=report.positive(int), default=512, metavar="N",
        help="largest batch size probed (default: 512)",
    )
    search.add_argument(
        "--bisection-steps", type=int, default=3, metavar="N",
        help="probes after doubling found a bracket; each halves it (default: 3)",
    )
    search.add_argument(
        "--search-budget-s", type=report.positive(float), default=600.0, metavar="S",
        help="no probe of one model's search starts after this many seconds (default: 600)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--output-dir", type=Path, default=Path("docs/benchmarks"), metavar="DIR",
        help="(default: docs/benchmarks)",
    )
    output.add_argument("--name", help="file stem (default: model_{cpu|gpu}_tensorflow)")
    output.add_argument(
        "--render", type=Path, metavar="JSON",
        help="measure nothing: rewrite the markdown and plot of this JSON",
    )
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
    families = {benchmark_sweep.family_of(model) for model in args.models}
    for resolution in {*args.resolutions, *args.search_resolutions}:
        for family in sorted(families):
            try:
                benchmark_sweep.attention_sides(family, resolution)
            except ValueError as error:
                parser.error(f"--resolutions: {family}_* models: {error}")
    if args.bisection_steps < 0:
        parser.error(f"--bisection-steps must be >= 0, received {args.bisection_steps}")


def _describe_step(case, result):
    return f"{report.format_seconds(result.metrics.get('time_median_s'))}/step"


def _settings(args):
    return {
        "batch_size": args.batch_size,
        "ch": args.ch,
        "configs": args.configs,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "max_timing_s": args.max_timing_s,
        "time_limit_s": args.time_limit_s,
        "memory_limit_bytes": int(args.memory_limit_gb * GIB),
    }


def _limits(settings):
    return Limits(settings["time_limit_s"], settings["memory_limit_bytes"])


def run_sweep(args, settings):
    """Times every case; returns the records."""
    entries = benchmark_sweep.sweep_entries(
        args.models,
        args.resolutions,
        args.configs,
        batch_size=args.batch_size,
        ch=args.ch,
        repeats=args.repeats,
        warmup=args.warmup,
        max_timing_s=args.max_timing_s,
    )
    on_result = report.progress_printer(len(entries), _describe_step)
    records = []
    for config, case in entries:
        result = run_case(case, _limits(settings), env=CHILD_ENV)
        on_result(case, result)
        records.append(benchmark_sweep.make_record(config, case, result))
    return records


def _fits(status, peak_bytes, cap_bytes):
    """`FITS`, `DOES_NOT_FIT` or another status, from one step's outcome."""
    if status == "OK":
        # The parent polls; the child's own peak catches what grew between two polls.
        return FITS if peak_bytes <= cap_bytes else DOES_NOT_FIT
    return DOES_NOT_FIT if status == "OOM" else status


def _peak_rss(record):
    """The largest resident memory of a case: the parent's polls or the child's own peak."""
    return max(record["max_polled_rss_bytes"], record.get("peak_rss_bytes") or 0)


def _detail(batch_size, verdict, record, source):
    return {
        "batch_size": batch_size,
        "source": source,
        "verdict": verdict,
        "status": record["status"],
        "peak_rss_bytes": _peak_rss(record),
        "wall_s": record["wall_s"],
    }


def _probe(case, settings, known, details):
    """A `probe(batch_size)` running one step of `case` at that batch in a fresh process.

    Args:
        case: the timed case of the model and placement.
        settings: the run's settings (limits).
        known: `{batch_size: verdict}` already known; these sizes are not run again.
        details: a list to which each probe run appends its `_detail`.
    """
    cap = settings["memory_limit_bytes"]

    def probe(batch_size):
        if batch_size in known:
            return known[batch_size]
        params = {**case.params, "batch_size": batch_size, "repeats": 1, "warmup": 0}
        probe_case = benchmark_sweep.training_step_case(**params)
        record = run_case(probe_case, _limits(settings), env=CHILD_ENV).as_record()
        verdict = _fits(record["status"], _peak_rss(record), cap)
        details.append(_detail(batch_size, verdict, record, "probe"))
        print(
            f"  probe {probe_case.name}: {verdict}, peak RSS "
            f"{report.format_bytes(_peak_rss(record))}, {record['wall_s']:.0f} s wall",
            flush=True,
        )
        return verdict

    return probe


def _timed_record(records, params):
    """The sweep's record of the model, resolution and placement of `params`, or None."""
    for record in records:
        if all(record[key] == params[key] for key in ("model", "resolution", "model_args")):
            return record
    return None


def _search(config, case, settings, args, records):
    """The largest batch of one case's model and placement: a search record."""
    known, details = {}, []
    timed = _timed_record(records, case.params)
    if timed is not None:  # The timed case answers for its own batch size.
        verdict = _fits(timed["status"], _peak_rss(timed), settings["memory_limit_bytes"])
        known[timed["batch_size"]] = verdict
        details.append(_detail(timed["batch_size"], verdict, timed, "timed case"))
    print(f"Searching the largest batch of {case.name}", flush=True)
    result = search_largest_batch(
        _probe(case, settings, known, details),
        start=args.batch_size,
        max_batch=args.max_batch,
        bisection_steps=args.bisection_steps,
        budget_s=args.search_budget_s,
    )
    fields = benchmark_sweep.case_fields(config, case)
    del fields["batch_size"]
    return {
        **fields,
        "largest_fitting": result.largest_fitting,
        "smallest_failing": result.smallest_failing,
        "stopped_by": result.stopped_by,
        "probes": [list(probe) for probe in result.probes],
        "probe_details": sorted(details, key=lambda detail: detail["batch_size"]),
        "elapsed_s": result.elapsed_s,
    }


def run_searches(args, settings, records):
    """Searches the largest batch of every model at the search placements; returns the
    search records (each with the case's placement, the result and its probes)."""
    entries = benchmark_sweep.sweep_entries(
        args.models, args.search_resolutions, args.search_configs,
        batch_size=args.batch_size, ch=args.ch, max_timing_s=args.max_timing_s,
    )  # fmt: skip
    return [_search(config, case, settings, args, records) for config, case in entries]


def measure(args, argv):
    """Runs the sweep and the searches; returns the payload that `render` writes."""
    settings = _settings(args)
    environment = describe_environment(argv)
    environment["command"] = shlex.join([*PROGRAM.split(), *argv])
    records = run_sweep(args, settings)
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
        searches = run_searches(args, settings, records)
    environment["load_average_at_end"] = list(os.getloadavg())
    devices = {(r["device_kind"], r["device_name"]) for r in records if "device_kind" in r}
    device_kind, device_name = sorted(devices)[0] if devices else ("unknown", "unknown")
    return {
        "environment": environment,
        "device_kind": device_kind,
        "device_name": device_name,
        "settings": settings,
        "records": records,
        "searches": searches,
    }


def render(payload, output_dir, name):
    """Writes `name.json`, `name.md` and `name_time.png` under `output_dir`; returns the
    markdown."""
    rows = benchmark_sweep.summary_rows(payload["records"])
    report.write_json(output_dir / f"{name}.json", payload)
    document = benchmark_report.document(payload, name, rows)
    report.write_text(output_dir / f"{name}.md", document)
    benchmark_report.plot_step_times(
        rows,
        output_dir / benchmark_report.plot_file(name),
        title=f"One training step, ch = {payload['settings']['ch']}, batch "
        f"{payload['settings']['batch_size']}: {payload['device_name']}, TensorFlow",
    )
    return document


def main(argv=None):
    """Runs `python -m training.benchmark` with `argv`; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.render is not None:
        payload = report.read_json(args.render)
        output_dir, name = args.render.parent, args.render.stem
    else:
        check_args(parser, args)
        payload = measure(args, argv)
        output_dir = args.output_dir
        name = args.name or f"model_{payload['device_kind']}_tensorflow"
    print(render(payload, output_dir, name))
    print(f"Wrote {output_dir / name}.json, .md and {benchmark_report.plot_file(name)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
