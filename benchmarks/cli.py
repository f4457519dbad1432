"""The command-line pieces every benchmark command shares: option groups, limits, a quiet start.

The skeleton that uses them is `benchmarks.command`; this module imports no Keras, so that a
command can call `quiet_start` before anything else does.
"""

import argparse
import os
from pathlib import Path

from benchmarks.harness.processes import GIB, Limits
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


def quiet_start(argv, backend=None):
    """Sets `KERAS_BACKEND` to `backend` unless set (the TensorFlow-only commands), then imports
    TensorFlow quietly (unless `--verbose` is in `argv`) when it is the backend.

    The commands call it first, before their imports load Keras, which on the TensorFlow
    backend imports TensorFlow and its start-up messages with it (`--help` included).
    """
    if backend is not None:
        os.environ.setdefault("KERAS_BACKEND", backend)
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        quiet.import_tensorflow(verbose="--verbose" in argv)
