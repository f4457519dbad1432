"""The command-line pieces every benchmark command shares: parsers, option groups, limits."""

import argparse
import os
import sys
from pathlib import Path

from benchmarks.harness.processes import GIB, Limits, exit_on_sigterm
from benchmarks.harness.results import failed_cases
from benchmarks.reporting import files
from training import quiet


def positive(kind):
    """An argparse `type` accepting only positive values of `kind` (`int` or `float`).

    Example:

    >>> positive(int)("3")
    3
    """

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a positive {kind.__name__}, received {text}")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, received {text}")
        return value

    return parse


def add_timing_arguments(parser, *, unit, rounds_default):
    """`--repeats`, `--warmup`, `--max-timing-s` (per case) and `--rounds` (interleaved)."""
    group = parser.add_argument_group("timing")
    group.add_argument(
        "--repeats", type=positive(int), default=10, metavar="N",
        help=f"timed {unit}s per case, at most (default: 10)",
    )
    group.add_argument(
        "--warmup", type=positive(int), default=2, metavar="N",
        help=f"untimed {unit}s first; the first traces and compiles (default: 2)",
    )
    group.add_argument(
        "--max-timing-s", type=positive(float), default=30.0, metavar="S",
        help=f"budget of a case's timed {unit}s, and of each comparison's rounds: slow cases "
        "get fewer (default: 30)",
    )
    group.add_argument(
        "--rounds", type=positive(int), default=rounds_default, metavar="N",
        help=f"interleaved rounds of each comparison, at most (default: {rounds_default})",
    )
    return group


def add_limit_arguments(parser, *, memory_default_gb):
    """`--time-limit-s` and `--memory-limit-gb`: what one child process may use."""
    group = parser.add_argument_group("limits of each child process")
    group.add_argument(
        "--time-limit-s", type=positive(float), default=600.0, metavar="S",
        help="wall-clock seconds, imports included; past it: timeout (default: 600)",
    )
    group.add_argument(
        "--memory-limit-gb", type=positive(float), default=memory_default_gb, metavar="GIB",
        help=f"resident memory cap in GiB; above it: OOM (default: {memory_default_gb:g})",
    )
    return group


def add_output_arguments(parser, *, default_name):
    """`--output-dir`, `--name` and `--render JSON` (rewrite a report without measuring)."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "--output-dir", type=Path, default=Path("docs/benchmarks"), metavar="DIR",
        help="(default: docs/benchmarks)",
    )
    group.add_argument("--name", help=f"file stem (default: {default_name})")
    group.add_argument(
        "--render", type=Path, metavar="JSON",
        help="measure nothing: rewrite the markdown and plots of this JSON",
    )
    return group


def limits_of(args):
    """The `processes.Limits` of `--time-limit-s` and `--memory-limit-gb`."""
    return Limits(
        time_limit_s=args.time_limit_s, memory_limit_bytes=int(args.memory_limit_gb * GIB)
    )


def limit_settings(limits):
    """The limits as a payload's settings hold them."""
    return {"time_limit_s": limits.time_limit_s, "memory_limit_bytes": limits.memory_limit_bytes}


def quiet_start(argv):
    """Imports TensorFlow quietly (unless `--verbose` is in `argv`) when it is the backend.

    The commands call it first, before their imports load Keras, which on the TensorFlow
    backend imports TensorFlow and its start-up messages with it (`--help` included).
    """
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        quiet.import_tensorflow(verbose="--verbose" in argv)


def command_parser(program, docstring):
    """An `ArgumentParser` for `program` whose help is its module docstring: the second
    paragraph as the description, the `Examples:` part as the epilog; with `--verbose`."""
    parser = argparse.ArgumentParser(
        prog=program,
        description=docstring.split("\n\n")[1],
        epilog="examples:\n" + docstring.split("Examples:\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    quiet.add_verbose_option(parser)
    return parser


def exit_code(payload):
    """0, or 1 with the failures on stderr when every measured case of `payload` failed."""
    failures = failed_cases(payload)
    if not failures:
        return 0
    shown = "\n  ".join(failures[:5])
    print(f"error: every case failed ({len(failures)}), for example:\n  {shown}", file=sys.stderr)
    return 1


def measure_or_render(args, argv, *, measure, render, default_name, written):
    """What each benchmark command's `main` does: measure (or, with `--render`, read the JSON),
    write and print the report; returns the exit code (see `exit_code`).

    Args:
        args, argv: the parsed and the raw command line.
        measure: `measure(args, argv)`, the payload; a SIGTERM stops it and its children.
        render: `render(payload, output_dir, name)`, the markdown it wrote.
        default_name: `default_name(payload)`, the file stem when `--name` is not given.
        written: `written(name)`, what the report writes besides the JSON, e.g. ".md and plots".
    """
    if args.render is not None:
        payload = files.read_json(args.render)
        output_dir, name = args.render.parent, args.render.stem
    else:
        exit_on_sigterm()
        payload = measure(args, argv)
        output_dir, name = args.output_dir, args.name or default_name(payload)
    print(render(payload, output_dir, name))
    print(f"Wrote {output_dir / name}.json, {written(name)}.")
    return exit_code(payload)
