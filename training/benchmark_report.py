"""The model benchmark's report: markdown tables, the document, and a bar plot of step times."""

import math

import matplotlib

# No display on servers and CI: render to files only.
matplotlib.use("Agg")
from matplotlib import pyplot, ticker  # noqa: E402  (must follow the backend choice)

from keras_refined_sa.benchmark import plots, report  # noqa: E402
from training.benchmark_sweep import CONFIG_DESCRIPTIONS, CONFIGS, NO_ATTENTION  # noqa: E402

KINDS = ("softmax", "refined", "none")
_SECONDS = ticker.FuncFormatter(lambda seconds, _: report.format_seconds(seconds))


def _some_seconds(seconds, _):
    """Labels the minor ticks at 2 and 5 times a power of ten only, so that they stay legible."""
    leading = round(seconds / 10 ** math.floor(math.log10(seconds)))
    return report.format_seconds(seconds) if leading in (2, 5) else ""


def _status(record):
    if record is None:
        return "–"
    return record["status"] if record["status"] == "OK" else f"**{record['status']}**"


def _time(record):
    if record is None or record["status"] != "OK":
        return _status(record)
    return report.format_seconds(record["time_median_s"])


def _peak(record):
    if record is None or record["status"] != "OK":
        return _status(record)
    return report.format_bytes(record["peak_memory_bytes"])


def _percent(fraction):
    return "–" if fraction is None else f"{fraction * 100:+.0f}%"


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
    ("speed-up refined vs softmax", lambda row: report.format_ratio(row["speedup"])),
    ("softmax vs none", lambda row: _percent(row["softmax_overhead"])),
    ("refined vs none", lambda row: _percent(row["refined_overhead"])),
    ("softmax peak", lambda row: _peak(row["softmax"])),
    ("refined peak", lambda row: _peak(row["refined"])),
    ("none peak", lambda row: _peak(row["none"])),
)


def summary_table(rows):
    """One line per (family, resolution, configuration); see `benchmark_sweep.summary_rows`."""
    return report.markdown_table(rows, _SUMMARY_COLUMNS)


def _spread(row):
    if row["status"] != "OK":
        return "–"
    low, high = report.format_seconds(row["time_min_s"]), report.format_seconds(row["time_max_s"])
    return f"{low} – {high} ({row['repeats']}×)"


def _first_step(row):
    return report.format_seconds(row["warmup_s"][0]) if row.get("warmup_s") else "–"


_CASE_COLUMNS = (
    ("model", lambda row: row["model"]),
    ("px", lambda row: row["resolution"]),
    ("config", lambda row: row["config"]),
    ("attention at", placement_text),
    ("batch", lambda row: row["batch_size"]),
    ("parameters", lambda row: f"{row['parameters']:,}" if "parameters" in row else "–"),
    ("status", _status),
    ("median step", lambda row: report.format_seconds(row.get("time_median_s"))),
    ("min – max (repeats)", _spread),
    ("first step (traces)", _first_step),
    ("peak memory", lambda row: report.format_bytes(row["peak_memory_bytes"])),
    ("above baseline", lambda row: report.format_bytes(row["memory_above_baseline_bytes"])),
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
    return report.markdown_table(rows, _CASE_COLUMNS)


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
        f"({report.format_bytes(detail['peak_rss_bytes'])})"
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
    ("search time", lambda search: report.format_seconds(search["elapsed_s"])),
)


def search_table(searches):
    """One line per batch search."""
    return report.markdown_table(searches, _SEARCH_COLUMNS)


def configs_text(configs):
    """A bullet list of the configurations run, with their descriptions."""
    lines = [f"- `{config}`: {CONFIG_DESCRIPTIONS[config]}." for config in configs]
    lines.append(f"- `{NO_ATTENTION}`: the `*_none` models, the same networks without attention.")
    return "\n".join(lines)


def plot_step_times(rows, path, title):
    """Bar plot of the median step time: one panel per (family, resolution), one group of bars
    per configuration, one bar per attention kind (failed cases left out, named in the label).

    Args:
        rows: `benchmark_sweep.summary_rows`.
        path: the PNG to write.
        title: the figure's title.

    Returns:
        The path written.
    """
    panels = {}
    for row in rows:
        panels.setdefault((row["family"], row["resolution"]), []).append(row)
    panels = dict(sorted(panels.items())) or {("", 0): []}
    figure, axes = pyplot.subplots(
        1, len(panels), figsize=(4.5 * len(panels), 4.5), squeeze=False, sharey=True
    )
    width = 0.8 / len(KINDS)
    for axis, ((family, resolution), panel_rows) in zip(axes[0], panels.items()):
        for index, kind in enumerate(KINDS):
            xs, heights = [], []
            for position, row in enumerate(panel_rows):
                record = row[kind]
                if record is not None and record["status"] == "OK":
                    xs.append(position + (index - 1) * width)
                    heights.append(record["time_median_s"])
            failed = [
                f"{row[kind]['status']}: {row['config']}"
                for row in panel_rows
                if _failed(row[kind])
            ]
            label = kind + (f" ({', '.join(failed)})" if failed else "")
            axis.bar(xs, heights, width, label=label)
        axis.set_xticks(range(len(panel_rows)))
        axis.set_xticklabels(
            [row["config"].replace("_", "\n") for row in panel_rows], fontsize="small"
        )
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(_SECONDS)
        axis.yaxis.set_minor_formatter(ticker.FuncFormatter(_some_seconds))
        axis.set_title(f"{family}, {resolution} px")
        axis.grid(True, axis="y", which="both", alpha=0.3)
        axis.legend(fontsize="small")
    axes[0][0].set_ylabel("median time per training step (log scale)")
    low, high = axes[0][0].get_ylim()
    axes[0][0].set_ylim(low, high * 3)  # Room for the legends above the tallest bars.
    return plots.save_figure(figure, title, path)


def _failed(record):
    return record is not None and record["status"] != "OK"



def plot_file(name):
    """The PNG of a run called `name`."""
    return f"{name}_time.png"


def _settings_line(settings):
    return (
        f"- Settings: width ch = {settings['ch']}, batch size {settings['batch_size']}, "
        f"3-channel images, float32, one device (the default strategy), the trainer's "
        f"`tf.function` without XLA; {settings['warmup']} warm-up step(s) (the first traces), "
        f"then up to {settings['repeats']} timed steps within {settings['max_timing_s']:g} s; "
        f"each case in a fresh process, time limit {settings['time_limit_s']:g} s, memory cap "
        f"{report.format_bytes(settings['memory_limit_bytes'])}."
    )


def _search_section(payload):
    settings = payload["settings"]
    if settings["batch_search"] is None:
        return "Not run (`--no-batch-search`)."
    search = settings["batch_search"]
    cap = report.format_bytes(settings["memory_limit_bytes"])
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


def document(payload, name, rows):
    """The markdown report of a run: environment, settings, summary, searches, every case."""
    environment, settings = payload["environment"], payload["settings"]
    memory = (
        "the device allocator's peak" if payload["device_kind"] == "gpu"
        else "the peak resident memory (ru_maxrss) of the case's own process"
    )
    return "\n".join(
        [
            f"# Model benchmark: a training step on {environment['keras_backend']}, "
            f"{payload['device_name']}",
            "",
            report.environment_markdown(environment),
            _settings_line(settings),
            report.load_line(payload["records"]),
            "- Step: `trainer.train_step()` of `python -m training.run`'s trainer on a constant "
            "random batch (no data pipeline): for `sagan_*` one discriminator update on real and "
            "generated images, one generator update and the generator's moving average; for "
            "`autoencoder_*` one reconstruction update. Adam, the models' default settings.",
            f"- Memory: {memory}; *above baseline* subtracts what the process held once the "
            "trainer and its data existed.",
            "",
            "## Attention configurations",
            "",
            configs_text(settings["configs"]),
            "",
            "## Summary",
            "",
            "*x vs none*: the step's time over the same network without attention.",
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
    )
