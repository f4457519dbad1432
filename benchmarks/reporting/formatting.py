"""Numbers and tables as the reports print them."""

import math


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


def format_ratio_spread(stats):
    """A per-round ratio (`interleave.RatioStats.as_dict()`): `"1.04× (0.98–1.10)"`; None: "–".

    Example:

    >>> format_ratio_spread({"median": 1.04, "q1": 0.981, "q3": 1.1, "pairs": 9})
    '1.04× (0.981–1.1)'
    """
    if stats is None:
        return "–"
    return f"{stats['median']:.3g}× ({stats['q1']:.3g}–{stats['q3']:.3g})"


def status_cell(record):
    """"OK", a failure in bold, or "–" for a case that did not run."""
    if record is None:
        return "–"
    return record["status"] if record["status"] == "OK" else f"**{record['status']}**"


def time_spread(record):
    """`"1.2 ms – 3.4 ms (10×)"`: a case's fastest and slowest timed call, and how many ran."""
    if record["status"] != "OK":
        return "–"
    low, high = format_seconds(record["time_min_s"]), format_seconds(record["time_max_s"])
    return f"{low} – {high} ({record['repeats']}×)"


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
