"""The pipeline benchmark's report: one line per dataset, delivered against consumed."""

from benchmarks.pipeline.sources import SOURCES
from benchmarks.reporting import document as opening
from benchmarks.reporting import files
from benchmarks.reporting.formatting import (
    format_seconds,
    markdown_table,
    status_cell,
    time_spread,
)


def _rate(value):
    return "–" if value is None else f"{value:,.0f}"


def summary_rows(records, steps):
    """One row per pipeline record, with the step of its resolution (None if it did not run).

    Each row holds the record's fields and `step` (the step record), `consumed_images_per_s`,
    `headroom` (delivered / consumed) and `cpu_share` (cores the pipeline keeps busy when it
    delivers at the step's rate: CPU seconds per image × images per second consumed).
    """
    by_resolution = {step["resolution"]: step for step in steps if step["status"] == "OK"}
    rows = []
    for record in records:
        step = by_resolution.get(record["resolution"])
        row = {**record, "step": step, "consumed_images_per_s": None, "headroom": None,
               "cpu_share": None}  # fmt: skip
        if step is not None and record["status"] == "OK":
            consumed = step["images_per_s"]
            row["consumed_images_per_s"] = consumed
            row["headroom"] = record["images_per_s"] / consumed
            row["cpu_share"] = record["cpu_s_per_image"] * consumed
        rows.append(row)
    return rows


def _verdict(row):
    if row["headroom"] is None:
        return "–"
    return "faster than the step" if row["headroom"] >= 1 else "**slower than the step**"


_SUMMARY_COLUMNS = (
    ("dataset", lambda row: f"`{row['source']}`"),
    ("px", lambda row: row["resolution"]),
    ("status", status_cell),
    ("pipeline images/s", lambda row: _rate(row.get("images_per_s"))),
    ("CPU ms per image", lambda row: "–" if row.get("cpu_s_per_image") is None
     else f"{row['cpu_s_per_image'] * 1e3:.3g}"),  # fmt: skip
    ("step images/s", lambda row: _rate(row["consumed_images_per_s"])),
    ("pipeline / step",
     lambda row: "–" if row["headroom"] is None else f"{row['headroom']:.3g}×"),  # fmt: skip
    ("cores the pipeline takes at the step's rate",
     lambda row: "–" if row["cpu_share"] is None else f"{row['cpu_share']:.3f}"),  # fmt: skip
    ("verdict", _verdict),
)


def _step_columns():
    return (
        ("model", lambda row: row["model"]),
        ("px", lambda row: row["resolution"]),
        ("status", status_cell),
        ("median step", lambda row: format_seconds(row.get("time_median_s"))),
        ("min – max (repeats)", time_spread),
        ("batches per step", lambda row: row.get("batches_per_step", "–")),
        ("images/s consumed", lambda row: _rate(row.get("images_per_s"))),
    )


_PIPELINE_COLUMNS = (
    ("dataset", lambda row: f"`{row['source']}`"),
    ("px", lambda row: row["resolution"]),
    ("read from", lambda row: row.get("dataset", "–")),
    ("median batch", lambda row: format_seconds(row.get("time_median_s"))),
    ("min – max (repeats)", time_spread),
    ("first batch (builds, fills)", lambda row: format_seconds(row["warmup_s"][0])
     if row.get("warmup_s") else "–"),  # fmt: skip
    ("files written first", lambda row: format_seconds(row.get("setup_s"))
     if row.get("setup_s", 0) > 0.01 else "–"),  # fmt: skip
)


def document(payload, name):
    """The markdown report of a run."""
    settings = payload["settings"]
    rows = summary_rows(payload["records"], payload["steps"])
    sources = "\n".join(
        f"- `{source}`: {SOURCES[source][0]}." for source in settings["sources"]
    )
    lines = [
        f"# Input pipeline benchmark: TensorFlow, {payload['device_name']}",
        "",
        opening.environment_markdown(payload["environment"]),
        f"- Settings: batch {settings['batch_size']}, {settings['channels']}-channel images; "
        f"per dataset {settings['warmup']} warm-up batch(es) (the first builds the pipeline and "
        f"fills its buffers), then up to {settings['batches']} timed batches within "
        f"{settings['max_timing_s']:g} s; the folder and tfds datasets hold "
        f"{settings['images']} images of {settings['image_size']}² px. Step: "
        f"`{settings['model']}` at ch = {settings['ch']}, same batch, its real training step on "
        f"a constant batch (as `python -m benchmarks.models` times it). Each case in a fresh "
        f"process.",
        opening.load_line(payload["records"] + payload["steps"]),
        "- *pipeline images/s*: timed images over the seconds `next()` took, the pipeline alone "
        "on every core. *step images/s*: batch × batches per step / median step. *Cores the "
        "pipeline takes*: its CPU seconds per image (every thread of the process) × the step's "
        "images/s: the share of the cores it takes from the step when both run together.",
        "",
        "## Datasets",
        "",
        sources,
        "",
        "## Delivered against consumed",
        "",
        markdown_table(rows, _SUMMARY_COLUMNS),
        "",
        "## Pipelines",
        "",
        markdown_table(payload["records"], _PIPELINE_COLUMNS),
        "",
        "## Steps",
        "",
        markdown_table(payload["steps"], _step_columns()) if payload["steps"] else "Not run.",
        "",
    ]
    return "\n".join(lines)


def render(payload, output_dir, name):
    """Writes `name.json` and `name.md` under `output_dir`; returns the markdown."""
    return files.write_report(output_dir, name, payload, document(payload, name))
