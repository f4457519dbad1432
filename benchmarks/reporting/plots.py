"""Log-log plots of a benchmark metric against the number of positions, one line per series.

Figures are `matplotlib.figure.Figure` objects written straight to PNG: no pyplot, no global
backend choice, nothing left open in the process that imports this module.
"""

import math
from pathlib import Path

from matplotlib.figure import Figure


def _panels(records, panel_keys):
    panels = {}
    for record in records:
        panels.setdefault(tuple(record[key] for key in panel_keys), []).append(record)
    return dict(sorted(panels.items()))


def _failures(records, x_key):
    """`" (OOM at 16,384, 65,536)"` for the records that did not run; "" when all did."""
    failed = {}
    for record in sorted(records, key=lambda record: record[x_key]):
        if record.get("status") != "OK":
            failed.setdefault(record["status"], []).append(f"{record[x_key]:,}")
    return "".join(f" ({status} at {', '.join(xs)})" for status, xs in sorted(failed.items()))


def _finite_positive(value):
    return value is not None and math.isfinite(value) and value > 0


def plot_against_positions(
    records,
    path,
    *,
    value_key,
    ylabel,
    title,
    series_key="form",
    series_order=None,
    panel_keys=("batch_size", "channels"),
    x_key="positions",
):
    """Plots `record[value_key]` against `record[x_key]` on log-log axes and saves a PNG.

    One panel per distinct value of `panel_keys` (e.g. batch size and channels), one line per
    `series_key` (e.g. the attention form). Records whose value is missing, not finite or not
    positive are left out; a line's legend names the sizes whose cases failed (OOM, timeout).

    Args:
        records: a sequence of flat dicts.
        path: the PNG to write.
        value_key, ylabel: what to plot on the y axis, and its label.
        title: the figure's title.
        series_key: the key whose values make the lines.
        series_order: the order of the lines in the legend; defaults to sorted.
        panel_keys: the keys whose values make the panels.
        x_key: the key on the x axis.

    Returns:
        The path written.
    """
    panels = _panels(records, panel_keys) or {(): []}
    series_order = series_order or sorted({record[series_key] for record in records})
    figure = Figure(figsize=(5.5 * len(panels), 4.5))
    axes = figure.subplots(1, len(panels), squeeze=False, sharey=True)
    for axis, (panel, panel_records) in zip(axes[0], panels.items()):
        for series in series_order:
            members = [record for record in panel_records if record[series_key] == series]
            points = sorted(
                (record[x_key], record[value_key])
                for record in members
                if _finite_positive(record.get(value_key))
            )
            if points:
                xs, ys = zip(*points)
                axis.plot(xs, ys, marker="o", label=series + _failures(members, x_key))
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel(f"{x_key} (log scale)")
        axis.set_title(", ".join(f"{key} {value}" for key, value in zip(panel_keys, panel)))
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize="small")
    axes[0][0].set_ylabel(ylabel)
    return save_figure(figure, title, path)


def save_figure(figure, title, path):
    """Titles, lays out and writes `figure` (creating the folder); returns the path."""
    figure.suptitle(title)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    return path
