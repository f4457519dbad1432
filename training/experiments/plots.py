"""The report's plots: each metric over steps per kind, and each attention layer's γ over steps.

Both read the collected results of `training.experiments.report.collect` (built from the cells'
summaries), so they can be redrawn from a clone that holds no event files.
"""

import numpy as np

from training.compare import HIGHER_IS_BETTER


def better(tag):
    """"higher is better" for PSNR/SSIM, "lower is better" for every other tag."""
    return "higher is better" if any(key in tag for key in HIGHER_IS_BETTER) else "lower is better"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _trained(entries, kinds):
    for kind in kinds:
        entry = entries.get(kind)
        if entry and not entry["probe"] and entry["results"]:
            yield kind, entry["results"]


def plot_task(task, entries, path):
    """One panel per metric, one line per kind: the mean over seeds, shaded from min to max.

    Returns False (and writes nothing) when no kind has a finished run.
    """
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(
        1, len(task.metrics), figsize=(5 * len(task.metrics), 3.6), squeeze=False
    )
    drawn = False
    for kind, results in _trained(entries, task.kinds):
        for axis, tag in zip(axes[0], task.metrics):
            curves = [dict(r["curves"].get(tag, [])) for r in results]
            steps = sorted(set.intersection(*(set(curve) for curve in curves)))
            if not steps:
                continue
            values = np.array([[curve[step] for step in steps] for curve in curves])
            line = axis.plot(steps, values.mean(0), marker="o", markersize=3,
                             label=f"{kind} ({len(curves)} seeds)")[0]
            axis.fill_between(steps, values.min(0), values.max(0), alpha=0.2,
                              color=line.get_color())
            drawn = True
    for axis, tag in zip(axes[0], task.metrics):
        axis.set_title(f"{tag} ({better(tag)})")
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        if drawn:
            axis.legend(fontsize=8)
    figure.suptitle(task.title, fontsize=10)
    figure.tight_layout()
    if drawn:
        figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return drawn


def plot_gamma(task, entries, path):
    """One panel per attention layer: every seed's γ over steps (signed), coloured by kind.

    Where the runs started from γ = 0, a dotted line marks ± the sum of the learning rate over
    the steps so far: how far Adam, which moves a parameter by about its learning rate per
    step, can take γ. Returns False (and writes nothing) when no run logged a γ.
    """
    results = {kind: results for kind, results in _trained(entries, task.kinds)}
    layers = sorted({tag for rs in results.values() for r in rs for tag in r["gamma_curves"]})
    if not layers:
        return False
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(1, len(layers), figsize=(5 * len(layers), 3.6), squeeze=False)
    colours = pyplot.rcParams["axes.prop_cycle"].by_key()["color"]
    for axis, layer in zip(axes[0], layers):
        reach = None
        for index, (kind, runs) in enumerate(results.items()):
            for number, run in enumerate(runs):
                curve = run["gamma_curves"].get(layer)
                if not curve:
                    continue
                steps, values = zip(*curve)
                axis.plot(steps, values, color=colours[index % len(colours)], linewidth=1,
                          label=kind if number == 0 else None)
                reach = reach or run["gamma_reach"].get(layer)
        if reach:
            steps, bound = zip(*reach)
            axis.plot(steps, bound, ":", color="grey", label="± Σ learning rate")
            axis.plot(steps, [-value for value in bound], ":", color="grey")
        axis.axhline(0, color="black", linewidth=0.5)
        axis.set_title(layer)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"γ over training (one line per seed): {task.title}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return True
