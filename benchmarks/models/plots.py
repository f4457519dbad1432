"""The model benchmark's plot: median training-step time per model and placement, as bars."""

import math

from matplotlib import ticker
from matplotlib.figure import Figure

from benchmarks.models.sweep import KINDS
from benchmarks.reporting.formatting import format_seconds
from benchmarks.reporting.plots import save_figure

_SECONDS = ticker.FuncFormatter(lambda seconds, _: format_seconds(seconds))


def _some_seconds(seconds, _):
    """Labels the minor ticks at 2 and 5 times a power of ten only, so that they stay legible."""
    leading = round(seconds / 10 ** math.floor(math.log10(seconds)))
    return format_seconds(seconds) if leading in (2, 5) else ""


def plot_file(name):
    """The PNG of a run called `name`."""
    return f"{name}_time.png"


def _tick(row):
    """The bar group's label: its placement, and its option when not float32 without XLA."""
    label = row["config"].replace("_", "\n")
    precision, xla = row.get("precision", "float32"), row.get("jit_compile", False)
    if (precision, xla) != ("float32", False):
        label += "\n" + precision.replace("mixed_", "") + ("+XLA" if xla else "")
    return label


def _failed(record):
    return record is not None and record["status"] != "OK"


def plot_step_times(rows, path, title):
    """Bar plot of the median step time: one panel per (family, resolution), one group of bars
    per configuration, one bar per attention kind (failed cases left out, named in the label).

    Args:
        rows: `sweep.summary_rows`.
        path: the PNG to write.
        title: the figure's title.

    Returns:
        The path written.
    """
    panels = {}
    for row in rows:
        panels.setdefault((row["family"], row["resolution"]), []).append(row)
    panels = dict(sorted(panels.items())) or {("", 0): []}
    widest = max((len(panel_rows) for panel_rows in panels.values()), default=1)
    figure = Figure(figsize=(max(4.5, 1.1 * widest) * len(panels), 4.5))
    axes = figure.subplots(1, len(panels), squeeze=False, sharey=True)
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
        axis.set_xticklabels([_tick(row) for row in panel_rows], fontsize="small")
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(_SECONDS)
        axis.yaxis.set_minor_formatter(ticker.FuncFormatter(_some_seconds))
        axis.set_title(f"{family}, {resolution} px")
        axis.grid(True, axis="y", which="both", alpha=0.3)
        axis.legend(fontsize="small")
    axes[0][0].set_ylabel("median time per training step (log scale)")
    low, high = axes[0][0].get_ylim()
    axes[0][0].set_ylim(low, high * 3)  # Room for the legends above the tallest bars.
    return save_figure(figure, title, path)
