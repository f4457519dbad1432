"""The step profile's report: a summary line per case, then each case's op time by layer and,
inside the attention blocks, by part and by op type."""

from benchmarks.reporting import document as opening
from benchmarks.reporting import files
from benchmarks.reporting.formatting import format_seconds, markdown_table, status_cell
from benchmarks.step_profile.breakdown import GRADIENT_SUMS

# Rows shown of each breakdown table; the rest is summed in one row.
TOP_ROWS = 12


def _ms(value):
    return "–" if value is None else format_seconds(value / 1e3)


def _profiled_blocks(record):
    """Whether the case ran and its model has attention blocks."""
    return record["status"] == "OK" and bool(record["attention_blocks"])


def outside_ratio(record):
    """The step's op time over its op time outside the attention blocks (None without blocks
    or for a failed case): what the blocks add to the ops, as the ratio a step without them
    would show if the rest cost the same."""
    if not _profiled_blocks(record):
        return None
    return record["total_ms"] / (record["total_ms"] - record["attention_ms"])


def _attention(record):
    return _ms(record["attention_ms"]) if _profiled_blocks(record) else "–"


def _share(record):
    if not _profiled_blocks(record):
        return "–"
    return f"{100 * record['attention_ms'] / record['total_ms']:.1f}%"


_SUMMARY_COLUMNS = (
    ("model", lambda row: f"`{row['model']}`"),
    ("precision", lambda row: row["precision"]),
    ("status", status_cell),
    ("step (no profiler)", lambda row: format_seconds(row.get("time_median_s"))),
    ("op time per step", lambda row: _ms(row.get("total_ms"))),
    ("attention blocks' ops", _attention),
    ("their share", _share),
    ("op time / op time outside the blocks",
     lambda row: "–" if outside_ratio(row) is None else f"{outside_ratio(row):.3f}"),  # fmt: skip
)


def top_rows(items, total_ms, top=TOP_ROWS, keep=()):
    """The `top` largest `{"name", "ms"}` items (and those named in `keep`), then one row
    summing the others; each row with its share of `total_ms`.

    Example:

    >>> items = [{"name": n, "ms": ms} for n, ms in (("a", 6.0), ("b", 3.0), ("c", 1.0))]
    >>> [(row["name"], row["ms"]) for row in top_rows(items, 10.0, top=1)]
    [('a', 6.0), ('(2 others)', 4.0)]
    """
    rows, rest = [], []
    for index, item in enumerate(items):
        (rows if index < top or item["name"] in keep else rest).append(item)
    if rest:
        rows.append({"name": f"({len(rest)} others)", "ms": sum(item["ms"] for item in rest)})
    return [{**row, "share": row["ms"] / total_ms} for row in rows]


def _breakdown_table(rows, header):
    return markdown_table(
        rows,
        (
            (header, lambda row: row["name"]),
            ("ms per step", lambda row: f"{row['ms']:.3g}"),
            ("share", lambda row: f"{100 * row['share']:.1f}%"),
        ),
    )


def _case_section(record):
    title = f"### `{record['model']}`, {record['precision']}"
    if record["status"] != "OK":
        return "\n".join([title, "", f"{status_cell(record)}: {record.get('error') or ''}", ""])
    blocks = record["attention_blocks"]
    lines = [
        title,
        "",
        f"Step without the profiler: {format_seconds(record['time_median_s'])} (median of "
        f"{record['repeats']}); op time per step under it: {_ms(record['total_ms'])}; "
        + (
            f"the attention blocks ({', '.join(f'`{b}`' for b in blocks)}) "
            f"{_ms(record['attention_ms'])} of it."
            if blocks
            else "no attention block."
        ),
        "",
        "**By layer** (the layer's forward ops and their gradients):",
        "",
        _breakdown_table(
            top_rows(record["layers"], record["total_ms"], keep={*blocks, GRADIENT_SUMS}),
            "layer",
        ),
        "",
    ]
    if blocks:
        attention = record["attention_ms"]
        lines += [
            "**Attention blocks, by part** (the forward op, named by its scope in the block, "
            "with its gradient; summed over the blocks; share of the blocks' time):",
            "",
            _breakdown_table(top_rows(record["attention_parts"], attention), "part"),
            "",
            "**Attention blocks, by op type** (summed over the blocks):",
            "",
            _breakdown_table(top_rows(record["attention_op_types"], attention), "op type"),
            "",
        ]
    return "\n".join(lines)


def document(payload, name):
    """The markdown report of a run."""
    settings = payload["settings"]
    records = payload["records"]
    lines = [
        f"# Where a training step's time goes: TensorFlow, {payload['device_name']}",
        "",
        opening.environment_markdown(payload["environment"]),
        f"- Settings: {settings['resolution']} px, batch {settings['batch_size']}, "
        f"ch = {settings['ch']}, on a constant batch (as `python -m benchmarks.models` feeds "
        f"the step); per case {settings['warmup']} warm-up step(s), up to "
        f"{settings['repeats']} timed steps without the profiler, then "
        f"{settings['profiled_steps']} steps under TensorFlow's profiler. Each case in a fresh "
        "process.",
        opening.load_line(records),
        "- *Op time*: the time TensorFlow's executor threads spent in each op, per step. Ops "
        "of one step run on several threads at once, so a step's op time exceeds its wall "
        "time; the profiler adds its own cost. Shares and ratios of op time say where the "
        "time goes; speed ratios come from interleaved timing (`python -m benchmarks.models`).",
        "",
        "## Summary",
        "",
        markdown_table(records, _SUMMARY_COLUMNS),
        "",
        "## Cases",
        "",
        *(_case_section(record) for record in records),
    ]
    return "\n".join(lines)


def render(payload, output_dir, name):
    """Writes `name.json` and `name.md` under `output_dir`; returns the markdown."""
    return files.write_report(output_dir, name, payload, document(payload, name))
