"""The layer benchmark's report: tables, the markdown document, the plots and the JSON."""

from benchmarks.harness.devices import compilation
from benchmarks.harness.steps import PASSES
from benchmarks.layers.forms import FORMS
from benchmarks.layers.targets import evaluate_targets
from benchmarks.reporting import document, files, plots
from benchmarks.reporting.formatting import (
    format_bytes,
    format_ratio_spread,
    format_seconds,
    markdown_table,
    status_cell,
    time_spread,
)
from benchmarks.reporting.targets import targets_table

PLOTS = (
    ("time", "time_median_s", "median time per step (s)"),
    ("memory", "memory_above_baseline_bytes", "peak memory above baseline (bytes)"),
)

_CASE_COLUMNS = (
    ("res", lambda row: f"{row['resolution']}²"),
    ("n", lambda row: f"{row['positions']:,}"),
    ("batch", lambda row: row["batch_size"]),
    ("C", lambda row: row["channels"]),
    ("form", lambda row: row["form"]),
    ("pass", lambda row: row["pass_name"].replace("_", "+")),
    ("status", status_cell),
    ("median", lambda row: format_seconds(row.get("time_median_s"))),
    ("min – max (repeats)", time_spread),
    ("GFLOP", lambda row: f"{row['gflop']:.3g}"),
    ("peak memory", lambda row: format_bytes(row["peak_memory_bytes"])),
    ("above baseline", lambda row: format_bytes(row["memory_above_baseline_bytes"])),
    ("load before", lambda row: f"{row['load_before'][0]:.2f}"),
)


def results_table(records):
    """One row per first-stage case (resolution, batch, C, form, pass)."""
    order = {form: index for index, form in enumerate(FORMS)}
    rows = sorted(
        records,
        key=lambda row: (
            row["batch_size"], row["channels"], row["pass_name"], row["positions"],
            order.get(row["form"], len(order)),
        ),
    )  # fmt: skip
    return markdown_table(rows, _CASE_COLUMNS)


_RATIO_HEADERS = {
    "refined/projections": "× floor: refined / projections",
    "softmax/refined": "speed-up: softmax / refined",
    "fused_softmax/refined": "fused softmax / refined",
    "quadratic/refined": "quadratic / refined",
    "efficient/refined": "efficient / refined",
}


def _ratio_cell(name):
    """`"1.08× (1–1.2), 20 rounds: 10.4 ms / 9.6 ms"`: the ratio and the two medians."""
    top, bottom = name.split("/")

    def cell(row):
        stats = row.get("ratios", {}).get(name)
        if stats is None:
            return "–"
        medians = stats["median_s"]
        return (
            f"{format_ratio_spread(stats)}, {stats['pairs']} rounds: "
            f"{format_seconds(medians[top])} / {format_seconds(medians[bottom])}"
        )

    return cell


def comparisons_table(comparisons):
    """One row per comparison: each ratio (median of the per-round ratios, 25th–75th
    percentile), its rounds, and the two forms' median times in those rounds."""
    names = [name for name in _RATIO_HEADERS if any(name in c.get("ratios", {}) for c in comparisons)]
    columns = (
        ("res", lambda row: f"{row['resolution']}²"),
        ("batch", lambda row: row["batch_size"]),
        ("C", lambda row: row["channels"]),
        ("pass", lambda row: row["pass_name"].replace("_", "+")),
        ("status", status_cell),
        *((_RATIO_HEADERS[name], _ratio_cell(name)) for name in names),
    )
    rows = sorted(
        comparisons,
        key=lambda row: (row["batch_size"], row["channels"], row["pass_name"], row["positions"]),
    )
    return markdown_table(rows, columns)


def plot_files(name, records):
    """`{(metric, pass): file name}` of the PNGs of a run called `name`: the passes it ran."""
    ran = {record["pass_name"] for record in records}
    return {
        (metric, pass_name): f"{name}_{metric}_{pass_name}.png"
        for metric, _, _ in PLOTS
        for pass_name in PASSES
        if pass_name in ran
    }


def _document(payload, name, targets):
    settings, environment = payload["settings"], payload["environment"]
    images = "\n\n".join(
        f"![{metric} {pass_name}]({file})"
        for (metric, pass_name), file in plot_files(name, payload["records"]).items()
    )
    backend = environment["keras_backend"]
    return "\n".join(
        [
            f"# Layer benchmark: {backend} on {payload['device_name']}",
            "",
            document.environment_markdown(environment),
            f"- Settings: dtype {settings['dtype']}, C_k = C/8, C_v = C/2; "
            f"{compilation(backend, settings['jit_compile'])}. Each form alone: a fresh process, "
            f"{settings['warmup']} warm-up call(s), then up to {settings['repeats']} timed calls "
            f"within {settings['max_timing_s']:g} s; time limit {settings['time_limit_s']:g} s, "
            f"memory cap {format_bytes(settings['memory_limit_bytes'])}. Compared forms: "
            f"{', '.join(settings['compared_forms'])}, in one process per size; each ratio's two "
            f"forms alone, up to {settings['rounds']} interleaved rounds within "
            f"{settings['max_timing_s']:g} s.",
            document.load_line(payload["records"]),
            document.INTERLEAVED_NOTE,
            f"- Memory: {document.memory_text(payload)}; *above baseline* subtracts what the "
            "process held once the block and its inputs existed. *load before*: the 1-minute "
            "load average when the case started.",
            "",
            "## Targets",
            "",
            targets_table(targets),
            "",
            "## Ratios (interleaved)",
            "",
            comparisons_table(payload["comparisons"]),
            "",
            "## Each form alone",
            "",
            results_table(payload["records"]),
            "",
            "## Plots",
            "",
            images,
            "",
        ]
    )


def render(payload, output_dir, name):
    """Writes `name.json`, `name.md` and the plots under `output_dir`; returns the markdown."""
    targets = evaluate_targets(payload["records"], payload["comparisons"], payload["device_kind"])
    payload = {**payload, "targets": [vars(target) for target in targets]}
    text = files.write_report(output_dir, name, payload, _document(payload, name, targets))
    labels = {metric: (key, label) for metric, key, label in PLOTS}
    for (metric, pass_name), file in plot_files(name, payload["records"]).items():
        key, label = labels[metric]
        plots.plot_against_positions(
            [r for r in payload["records"] if r["pass_name"] == pass_name],
            output_dir / file,
            value_key=key,
            ylabel=label,
            title=f"{metric}, {pass_name.replace('_', '+')}: {payload['device_name']}, "
            f"{payload['environment']['keras_backend']}",
            series_order=list(FORMS),
        )
    return text
