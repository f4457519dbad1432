"""The model benchmark's report: markdown tables, the document, and `render` (JSON, markdown,
plot)."""

from benchmarks.models import engines_report, plots
from benchmarks.models.plots import plot_file
from benchmarks.models.sweep import (
    CONFIG_DESCRIPTIONS,
    CONFIGS,
    KINDS,
    NO_ATTENTION,
    option_of,
    summary_rows,
)
from benchmarks.models.targets import evaluate_targets
from benchmarks.reporting import document as opening
from benchmarks.reporting import files
from benchmarks.reporting.formatting import (
    format_bytes,
    format_ratio_spread,
    format_seconds,
    markdown_table,
    status_cell,
    time_spread,
)
from benchmarks.reporting.targets import targets_table


def _time(record):
    ok = record is not None and record["status"] == "OK"
    return format_seconds(record["time_median_s"]) if ok else status_cell(record)


def _peak(record):
    ok = record is not None and record["status"] == "OK"
    return format_bytes(record["peak_memory_bytes"]) if ok else status_cell(record)


def _ratio(name):
    def cell(row):
        stats = row["ratios"].get(name)
        if stats is None:
            return "–"
        return f"{format_ratio_spread(stats)}, {stats['pairs']} rounds"

    return cell


def placement_text(row):
    """`"64² (n 4,096), m 1,024"`: where the attention sits; "–" without attention."""
    if row["attention_side"] is None:
        return "–"
    side, n, m = row["attention_side"], row["positions"], row["key_positions"]
    return f"{side}² (n {n:,}), m {m:,}"


def _precision(row):
    return option_of(row)[0]


def _xla(row):
    return "XLA" if option_of(row)[1] else "–"


_SUMMARY_COLUMNS = (
    ("family", lambda row: row["family"]),
    ("px", lambda row: row["resolution"]),
    ("config", lambda row: row["config"]),
    ("precision", _precision),
    ("XLA", _xla),
    ("attention at", placement_text),
    ("softmax step", lambda row: _time(row["softmax"])),
    ("refined step", lambda row: _time(row["refined"])),
    ("none step", lambda row: _time(row["none"])),
    ("refined / none", _ratio("refined/none")),
    ("speed-up: softmax / refined", _ratio("softmax/refined")),
    ("softmax peak", lambda row: _peak(row["softmax"])),
    ("refined peak", lambda row: _peak(row["refined"])),
    ("none peak", lambda row: _peak(row["none"])),
)


def summary_table(rows):
    """One line per (family, resolution, configuration); see `sweep.summary_rows`."""
    return markdown_table(rows, _SUMMARY_COLUMNS)


def _first_step(row):
    return format_seconds(row["warmup_s"][0]) if row.get("warmup_s") else "–"


_CASE_COLUMNS = (
    ("model", lambda row: row["model"]),
    ("px", lambda row: row["resolution"]),
    ("config", lambda row: row["config"]),
    ("precision", _precision),
    ("XLA", _xla),
    ("attention at", placement_text),
    ("batch", lambda row: row["batch_size"]),
    ("parameters", lambda row: f"{row['parameters']:,}" if "parameters" in row else "–"),
    ("status", status_cell),
    ("median step", lambda row: format_seconds(row.get("time_median_s"))),
    ("min – max (repeats)", time_spread),
    ("first step (traces)", _first_step),
    ("peak memory", lambda row: format_bytes(row["peak_memory_bytes"])),
    ("above baseline", lambda row: format_bytes(row["memory_above_baseline_bytes"])),
    ("load before", lambda row: f"{row['load_before'][0]:.2f}"),
)


def cases_table(records):
    """One line per case, with its spread, first (tracing) step and memory; by family,
    resolution, attention kind and configuration."""
    kinds = {kind: index for index, kind in enumerate(KINDS)}
    configs = {config: index for index, config in enumerate((*CONFIGS, NO_ATTENTION))}
    rows = sorted(
        records,
        key=lambda row: (
            row["family"], row["resolution"], kinds[row["attention"]], configs[row["config"]],
            option_of(row),
        ),
    )  # fmt: skip
    return markdown_table(rows, _CASE_COLUMNS)


def configs_text(configs):
    """A bullet list of the configurations run, with their descriptions."""
    lines = [f"- `{config}`: {CONFIG_DESCRIPTIONS[config]}." for config in configs]
    lines.append(f"- `{NO_ATTENTION}`: the `*_none` models, the same networks without attention.")
    return "\n".join(lines)


def _comparisons_text(settings):
    if "rounds" not in settings:  # A run made before the interleaved comparisons existed.
        return "No interleaved comparisons: this run has no ratios."
    return (
        f"Compared: the softmax, refined and no-attention models of each placement in one "
        f"process, each ratio's two models alone, up to {settings['rounds']} interleaved rounds "
        f"within {settings['max_timing_s']:g} s."
    )


def _options_text(settings):
    precisions = settings.get("precisions", ["float32"])
    xla = {
        "off": "without XLA",
        "on": "with XLA (`--jit-compile`)",
        "both": "with and without XLA (`--jit-compile`)",
    }[settings.get("jit_compile", "off")]
    return f"precision {', '.join(precisions)} (`--precision`), the trainer's step {xla}"


def _settings_line(settings):
    return (
        f"- Settings: width ch = {settings['ch']}, batch size {settings['batch_size']}, "
        f"3-channel images, {_options_text(settings)}, one device (the default strategy); "
        f"{settings['warmup']} warm-up step(s) (the first traces), "
        f"then up to {settings['repeats']} timed steps within {settings['max_timing_s']:g} s; "
        f"each case in a fresh process, time limit {settings['time_limit_s']:g} s, memory cap "
        f"{format_bytes(settings['memory_limit_bytes'])}. {_comparisons_text(settings)}"
    )


def _peak_of(records, comparison, option):
    for record in records:
        same = all(record[key] == comparison[key] for key in ("model", "resolution", "config"))
        if same and option_of(record) == tuple(option):
            return record
    return None


def option_rows(payload):
    """One row per (model, resolution, placement, option other than the default): the option's
    interleaved speed-up over float32 without XLA, both medians and both peaks."""
    rows = []
    for comparison in payload.get("option_comparisons", []):
        if comparison["status"] != "OK":
            rows.append({**comparison, "option": None, "stats": None})
            continue
        for name, stats in comparison["ratios"].items():
            default, other = name.split("/")
            precision, _, xla = other.partition("+")
            option = (precision, bool(xla))
            rows.append(
                {
                    **{key: comparison[key] for key in ("model", "resolution", "config",
                                                        "batch_size", "ch", "status")},
                    "quickstart": comparison.get("quickstart", False),
                    "option": option,
                    "stats": stats,
                    "default_s": stats["median_s"][default],
                    "option_s": stats["median_s"][other],
                    # The cases alone ran on a constant 3-channel batch, not the quickstart.
                    "default_record": None if comparison.get("quickstart") else
                    _peak_of(payload["records"], comparison, ("float32", False)),
                    "option_record": None if comparison.get("quickstart") else
                    _peak_of(payload["records"], comparison, option),
                }
            )  # fmt: skip
    return rows


def _option_label(row):
    if row["option"] is None:
        return status_cell(row)
    precision, xla = row["option"]
    return precision + (" + XLA" if xla else "")


_OPTION_COLUMNS = (
    ("model", lambda row: row["model"]),
    ("px", lambda row: row["resolution"]),
    ("config", lambda row: row["config"] + (" (the quickstart, its data)"
                                            if row.get("quickstart") else "")),
    ("option", _option_label),
    ("speed-up over float32, no XLA", lambda row: "–" if row["stats"] is None else
     f"**{format_ratio_spread(row['stats'])}**, {row['stats']['pairs']} rounds"),
    ("step: float32 → option", lambda row: "–" if row["stats"] is None else
     f"{format_seconds(row['default_s'])} → {format_seconds(row['option_s'])}"),
    ("steps/s with the option", lambda row: "–" if row["stats"] is None else
     f"{1 / row['option_s']:.3g}"),
    ("peak: float32 → option", lambda row: f"{_peak(row.get('default_record'))} → "
     f"{_peak(row.get('option_record'))}"),
)  # fmt: skip


def _options_section(payload):
    rows = option_rows(payload)
    if not rows:
        return "Not run: one option only."
    return "\n".join(
        [
            "Each model's runs under every option, built in one process; each option's step "
            "timed against the default's (float32, no XLA) in interleaved rounds. Speed-up: the "
            "median of the per-round ratios default / option (above 1: the option is faster), "
            "25th–75th percentile in brackets. Peaks: each option's own process (the cases "
            "alone).",
            "",
            markdown_table(rows, _OPTION_COLUMNS),
        ]
    )


def document(payload, name, rows, targets):
    """The markdown report of a run: environment, settings, targets, summary, options, every
    case."""
    environment, settings = payload["environment"], payload["settings"]
    lines = [
        f"# Model benchmark: a training step on {environment['keras_backend']}, "
        f"{payload['device_name']}",
        "",
        opening.environment_markdown(environment),
        _settings_line(settings),
        opening.load_line(payload["records"]),
        opening.INTERLEAVED_NOTE if "rounds" in settings else None,
        "- Step: `trainer.train_step()` of `python -m training.run`'s trainer on a constant "
        "random batch (no data pipeline): for `sagan_*` one discriminator update on real and "
        "generated images, one generator update and the generator's moving average; for "
        "`autoencoder_*` one reconstruction update. Adam, the models' default settings.",
        f"- Memory: {opening.memory_text(payload)}; *above baseline* subtracts what the "
        "process held once the trainer and its data existed.",
        "",
        "## Targets",
        "",
        targets_table(targets),
        "",
        "## Attention configurations",
        "",
        configs_text(settings["configs"]),
        "",
        "## Summary",
        "",
        "Steps: each model alone, in its own process. Ratios: interleaved in one process; "
        "*refined / none* is the refined step's time over the same network's without attention.",
        "",
        summary_table(rows),
        "",
        f"![time per step]({plot_file(name)})",
        "",
        "## Options: precision and XLA",
        "",
        _options_section(payload),
        "",
        "## Every case",
        "",
        cases_table(payload["records"]),
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def render(payload, output_dir, name):
    """Writes `name.json`, `name.md` and `name_time.png` under `output_dir`; returns the
    markdown."""
    if payload["settings"].get("engines"):
        return engines_report.render(payload, output_dir, name)
    rows = summary_rows(payload["records"], payload.get("comparisons", []))
    targets = evaluate_targets(rows, payload["device_kind"], payload.get("option_comparisons", []))
    payload = {**payload, "targets": [vars(target) for target in targets]}
    text = files.write_report(output_dir, name, payload, document(payload, name, rows, targets))
    settings = payload["settings"]
    plots.plot_step_times(
        rows,
        output_dir / plot_file(name),
        title=f"One training step, ch = {settings['ch']}, batch {settings['batch_size']}: "
        f"{payload['device_name']}, TensorFlow",
    )
    return text
