"""The model benchmark's report: markdown tables and the document."""

from benchmarks.models.plots import plot_file
from benchmarks.models.sweep import CONFIG_DESCRIPTIONS, CONFIGS, KINDS, NO_ATTENTION
from benchmarks.reporting import document as opening
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
    if record is None or record["status"] != "OK":
        return status_cell(record)
    return format_seconds(record["time_median_s"])


def _peak(record):
    if record is None or record["status"] != "OK":
        return status_cell(record)
    return format_bytes(record["peak_memory_bytes"])


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


_SUMMARY_COLUMNS = (
    ("family", lambda row: row["family"]),
    ("px", lambda row: row["resolution"]),
    ("config", lambda row: row["config"]),
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
            row["family"], row["resolution"], kinds[row["attention"]], configs[row["config"]]
        ),
    )
    return markdown_table(rows, _CASE_COLUMNS)


def _largest(search):
    largest = search["largest_fitting"]
    if largest is None:
        return "none" if search["smallest_failing"] == 1 else "–"
    exact = search["smallest_failing"] == largest + 1
    return f"**{largest}**" if exact else f"≥ **{largest}**"


def _failing(search):
    failing = search["smallest_failing"]
    return "–" if failing is None else str(failing)


def _probes(search):
    """`"8: fits (1.2 GiB), 16: OOM (12 GiB)"`, in the order of the batch sizes."""
    return ", ".join(
        f"{detail['batch_size']}: {detail['verdict']} "
        f"({format_bytes(detail['peak_rss_bytes'])})"
        for detail in search["probe_details"]
    )


_SEARCH_COLUMNS = (
    ("model", lambda search: search["model"]),
    ("px", lambda search: search["resolution"]),
    ("config", lambda search: search["config"]),
    ("attention at", placement_text),
    ("largest batch that fits", _largest),
    ("smallest that did not", _failing),
    ("stopped by", lambda search: search["stopped_by"] or "converged"),
    ("probes: batch: result (peak memory)", _probes),
    ("search time", lambda search: format_seconds(search["elapsed_s"])),
)


def search_table(searches):
    """One line per batch search."""
    return markdown_table(searches, _SEARCH_COLUMNS)


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


def _settings_line(settings):
    return (
        f"- Settings: width ch = {settings['ch']}, batch size {settings['batch_size']}, "
        f"3-channel images, float32, one device (the default strategy), the trainer's "
        f"`tf.function` without XLA; {settings['warmup']} warm-up step(s) (the first traces), "
        f"then up to {settings['repeats']} timed steps within {settings['max_timing_s']:g} s; "
        f"each case in a fresh process, time limit {settings['time_limit_s']:g} s, memory cap "
        f"{format_bytes(settings['memory_limit_bytes'])}. {_comparisons_text(settings)}"
    )


def _search_section(payload):
    settings = payload["settings"]
    if settings["batch_search"] is None:
        return "Not run (`--no-batch-search`)."
    search = settings["batch_search"]
    cap = format_bytes(settings["memory_limit_bytes"])
    return "\n".join(
        [
            f"Configurations {', '.join(f'`{c}`' for c in search['configs'])} at "
            f"{', '.join(f'{r} px' for r in search['resolutions'])}. A batch *fits* when one "
            f"training step (tracing included) runs in a fresh process without its resident "
            f"memory passing the cap of {cap}. The search doubles from batch "
            f"{settings['batch_size']} (whose answer comes from the timed case above) up to "
            f"{search['max_batch']}, then bisects the bracket with at most "
            f"{search['bisection_steps']} more probes; each search stops after "
            f"{search['budget_s']:g} s. **Bold** is exact (the next size failed); ≥ marks a "
            f"lower bound. The numbers hold for this cap only: another cap moves them.",
            "",
            search_table(payload["searches"]),
        ]
    )


def document(payload, name, rows, targets):
    """The markdown report of a run: environment, settings, targets, summary, searches, every
    case."""
    environment, settings = payload["environment"], payload["settings"]
    memory = (
        "the device allocator's peak" if payload["device_kind"] == "gpu"
        else "the peak resident memory (ru_maxrss) of the case's own process"
    )
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
        f"- Memory: {memory}; *above baseline* subtracts what the process held once the "
        "trainer and its data existed.",
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
        "## Largest batch that fits",
        "",
        _search_section(payload),
        "",
        "## Every case",
        "",
        cases_table(payload["records"]),
        "",
    ]
    return "\n".join(line for line in lines if line is not None)
