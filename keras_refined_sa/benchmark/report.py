"""Writes benchmark results: JSON for machines, markdown for people."""

import argparse
import json
import math
from pathlib import Path


def write_json(path, payload):
    """Writes `payload` as indented JSON, creating the folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return path


def read_json(path):
    """Reads what `write_json` wrote."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_text(path, text):
    """Writes `text`, creating the folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _three_digits(value):
    """Three significant digits, never in scientific notation: 0.0123, 1.23, 123, 1234."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def format_seconds(seconds):
    """`0.000123` -> `"123 µs"`, `0.0456` -> `"45.6 ms"`, `3.2` -> `"3.20 s"`; None -> `"–"`."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{_three_digits(seconds * 1e3)} ms"
    return f"{_three_digits(seconds)} s"


def format_bytes(count):
    """`123456789` -> `"118 MiB"`; None -> `"–"`."""
    if count is None:
        return "–"
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(count) >= size:
            return f"{_three_digits(count / size)} {unit}"
    return f"{count} B"


def format_ratio(ratio):
    """`12.345` -> `"12.3×"`; None -> `"–"`."""
    if ratio is None or not math.isfinite(ratio):
        return "–"
    return f"{ratio:.3g}×"


def markdown_table(rows, columns):
    """A markdown table with one line per row.

    Args:
        rows: a sequence of records (dicts).
        columns: a sequence of `(header, format)` where `format(row)` returns the cell's text.

    Example:

    >>> print(markdown_table([{"a": 1}], [("A", lambda row: str(row["a"]))]))
    | A |
    | --- |
    | 1 |
    """
    lines = [
        "| " + " | ".join(header for header, _ in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(cell(row)) for _, cell in columns) + " |")
    return "\n".join(lines)


def environment_markdown(environment):
    """A markdown bullet list of `environment.describe_environment()`'s result."""
    libraries = ", ".join(
        f"{name} {version}" for name, version in environment["backend_libraries"].items()
    )
    def loads(key):
        return ", ".join(f"{value:.2f}" for value in environment[key])

    load = f"{loads('load_average_at_start')} at the start"
    if "load_average_at_end" in environment:
        load += f", {loads('load_average_at_end')} at the end"
    return "\n".join(
        [
            f"- Command: `{environment['command']}`",
            f"- Date: {environment['date']}",
            f"- Machine: {environment['cpu_model']}, {environment['cpu_count']} CPU cores, "
            f"{format_bytes(environment['memory_total_bytes'])} memory; "
            f"{environment['platform']}",
            f"- Versions: Python {environment['python']}, Keras {environment['keras']} "
            f"(backend {environment['keras_backend']}: {libraries}), numpy {environment['numpy']}",
            f"- Load average (1, 5, 15 min): {load}",
        ]
    )


def positive(kind):
    """An argparse `type` accepting only positive values of `kind` (`int` or `float`)."""

    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, received {text}")
        return value

    return parse


def load_line(records):
    """The markdown line summarising the machine's load when a run's cases started."""
    loads = [record["load_before"][0] for record in records]
    if not loads:
        return "- Load: no case ran."
    return (
        f"- Load: the 1-minute load average was {sum(loads) / len(loads):.2f} on average "
        f"({min(loads):.2f} to {max(loads):.2f}) when the cases started; a case alone keeps it "
        f"at up to about the number of cores in use, more is other work, which slows the cases "
        f"it meets."
    )


def progress_printer(total, describe):
    """An `on_result(case, result)` callback printing one line per finished case.

    Args:
        total: the number of cases of the run.
        describe: `describe(case, result)` -> the case's measurement as text (its time, ...).
    """
    count = 0

    def on_result(case, result):
        nonlocal count
        count += 1
        peak = format_bytes(result.metrics.get("peak_rss_bytes"))
        print(
            f"[{count}/{total}] {case.name}: {result.status} {describe(case, result)}, "
            f"peak RSS {peak}, {result.wall_s:.1f} s wall, load {result.load_before[0]:.2f}"
            + (f" -- {result.error.splitlines()[0]}" if result.error else ""),
            flush=True,
        )

    return on_result

