"""The study's report: mean ± std over seeds, differences against the seed spread, plots, commands.

Everything comes from the runs' own TensorBoard logs (`training.compare.read_scalars`), the
evaluations' JSON files and the cells' records; nothing is typed in. Text between the
`<!-- reading -->` and `<!-- /reading -->` markers of an existing report is kept: that is where
people write what the numbers mean.
"""

import json
import os
import shlex

import numpy as np

from training.compare import HIGHER_IS_BETTER
from training.compare import SPEED_TAG
from training.compare import read_scalars
from training.experiments.execution import cell_status
from training.experiments.execution import read_record

READING_START, READING_END = "<!-- reading -->", "<!-- /reading -->"
_NO_READING = "(Not written yet: the study is still running.)"


def _gamma(scalars):
    values = [points[-1][1] for tag, points in scalars.items() if tag.startswith("gamma/")]
    return float(np.mean(np.abs(values))) if values else float("nan")


def _peak_memory(record, module="training.run"):
    peaks = [p["peak_rss_mb"] for p in record["processes"] if p["module"] == module]
    return max(peaks) if peaks else float("nan")


def run_result(logdir, metrics, record):
    """What the report needs of one finished run: last metric values, curves, speed, memory."""
    scalars = read_scalars(logdir)
    speeds = [value for _, value in scalars.get(SPEED_TAG, [])]
    return {
        "metrics": {tag: scalars[tag][-1][1] for tag in metrics if scalars.get(tag)},
        "curves": {tag: scalars.get(tag, []) for tag in metrics},
        "steps_per_sec": float(np.median(speeds)) if speeds else float("nan"),
        "peak_memory_mb": _peak_memory(record),
        "gamma": _gamma(scalars),
    }


def collect(study):
    """`{task: {kind: {"results": [per seed], "status": {seed: status}, ...}}}` of the study."""
    collected = {}
    for cell in study.cells():
        task = study.task(cell.task)
        entry = collected.setdefault(cell.task, {}).setdefault(
            cell.kind, {"results": [], "status": {}, "failures": [], "probe": cell.probe}
        )
        status = cell_status(cell)
        entry["status"][cell.seed] = status
        record = read_record(cell)
        if status == "failed":
            entry["failures"].append(f"seed {cell.seed}: {record['failed']}")
        if status != "done":
            continue
        if task.convert:
            with open(cell.steps[0].output) as file:
                converted = json.load(file)
            result = run_result(cell.steps[1].logdir, task.metrics, record)
            result["converted"] = {"eval/fid": converted["fid"], "eval/kid": converted["kid"]}
        else:
            result = run_result(cell.steps[0].logdir, task.metrics, record)
        entry["results"].append(result)
    return collected


def mean_std(values):
    """`(mean, sample std, n)` of the finite values."""
    values = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if not len(values):
        return float("nan"), float("nan"), 0
    std = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    return float(values.mean()), std, len(values)


def format_mean_std(values, digits=3):
    mean, std, count = mean_std(values)
    if not count:
        return "—"
    if count == 1:
        return f"{mean:.{digits}f} (1 seed)"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def compare_kinds(values, reference_values):
    """`(difference of means, two standard errors, verdict)` of two kinds' per-seed values.

    The verdict says whether the difference exceeds the spread over seeds: |Δ| > 2·SE with
    SE² = s₁²/n₁ + s₂²/n₂ (about a 95% interval when the seeds' spread is normal).
    """
    mean, std, count = mean_std(values)
    ref_mean, ref_std, ref_count = mean_std(reference_values)
    if count < 2 or ref_count < 2:
        return float("nan"), float("nan"), "too few seeds"
    difference = mean - ref_mean
    two_se = 2 * float(np.sqrt(std**2 / count + ref_std**2 / ref_count))
    verdict = "exceeds the seed spread" if abs(difference) > two_se else "within the seed spread"
    return difference, two_se, verdict


def _better(tag):
    return "higher is better" if any(key in tag for key in HIGHER_IS_BETTER) else "lower is better"


def task_table(task, entries):
    """The markdown table of a training task: one row per kind."""
    header = ["kind", "seeds done", *[f"{tag} ({_better(tag)})" for tag in task.metrics],
              "steps/s", "peak memory (MB)", "mean abs γ"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for kind in task.kinds:
        entry = entries.get(kind, {"results": [], "status": {}, "failures": [], "probe": False})
        results = entry["results"]
        done = f"{len(results)}/{len(entry['status'])}"
        if entry["probe"]:
            metric_cells = [f"timed only ({task.probes[kind]} steps)"] * len(task.metrics)
        else:
            metric_cells = [format_mean_std([r["metrics"].get(tag, np.nan) for r in results])
                            for tag in task.metrics]
        if entry["failures"] and not results:
            metric_cells = [f"could not run: {entry['failures'][0]}"] + [""] * (len(task.metrics) - 1)
        row = [kind, done, *metric_cells,
               format_mean_std([r["steps_per_sec"] for r in results], 2),
               format_mean_std([r["peak_memory_mb"] for r in results], 0),
               format_mean_std([r["gamma"] for r in results], 3)]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def comparison_lines(task, entries, references=("softmax", "none")):
    """One line per kind and reference: the difference of means against the seed spread.

    Each pair of kinds appears once, against the later reference (softmax − none, not
    none − softmax).
    """
    lines = []
    for position, reference in enumerate(references):
        ref = entries.get(reference)
        if not ref or ref["probe"] or reference not in task.kinds:
            continue
        for kind in task.kinds:
            entry = entries.get(kind)
            if kind == reference or not entry or entry["probe"] or kind in references[position:]:
                continue
            for tag in task.metrics:
                difference, two_se, verdict = compare_kinds(
                    [r["metrics"].get(tag, np.nan) for r in entry["results"]],
                    [r["metrics"].get(tag, np.nan) for r in ref["results"]],
                )
                if np.isfinite(difference):
                    lines.append(f"- {kind} − {reference}, {tag}: {difference:+.4f} "
                                 f"(2·SE {two_se:.4f}): {verdict}")
    return lines


def conversion_table(task, entries):
    """The markdown table of a conversion task: FID/KID right after conversion and fine-tuned."""
    header = ["target kind", "seeds done", "FID converted", "FID fine-tuned",
              "KID converted", "KID fine-tuned", "mean abs γ"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for kind in task.kinds:
        entry = entries.get(kind, {"results": [], "status": {}})
        results = entry["results"]
        row = [kind, f"{len(results)}/{len(entry['status'])}"]
        for tag in ("eval/fid", "eval/kid"):
            digits = 2 if tag == "eval/fid" else 4
            row.append(format_mean_std([r["converted"][tag] for r in results], digits))
            row.append(format_mean_std([r["metrics"].get(tag, np.nan) for r in results], digits))
        row.append(format_mean_std([r["gamma"] for r in results], 3))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def plot_task(task, entries, path):
    """One panel per metric, one line per kind: the mean over seeds, shaded from min to max."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(
        1, len(task.metrics), figsize=(5 * len(task.metrics), 3.6), squeeze=False
    )
    drawn = False
    for kind in task.kinds:
        entry = entries.get(kind)
        if not entry or entry["probe"] or not entry["results"]:
            continue
        for axis, tag in zip(axes[0], task.metrics):
            curves = [dict(r["curves"].get(tag, [])) for r in entry["results"]]
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
        axis.set_title(f"{tag} ({_better(tag)})")
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        if drawn:
            axis.legend(fontsize=8)
    figure.suptitle(task.title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return drawn


def _commands(study, task):
    lines = []
    for cell in study.cells():
        if cell.task != task.name or cell.seed != study.seeds[0]:
            continue
        for step in cell.steps:
            lines.append(shlex.join(["python", "-m", step.module, *step.argv]))
    return lines


def previous_reading(path):
    """The text between the reading markers of the report at `path`, if there is one."""
    if not os.path.isfile(path):
        return _NO_READING
    with open(path) as file:
        text = file.read()
    if READING_START not in text or READING_END not in text:
        return _NO_READING
    return text.split(READING_START, 1)[1].split(READING_END, 1)[0].strip()


def write_report(study, command):
    """Writes `study.report` (and its plots beside it, in `results/`); returns its path."""
    collected = collect(study)
    folder = os.path.dirname(os.path.abspath(study.report))
    plots = os.path.join(folder, "results")
    os.makedirs(plots, exist_ok=True)
    statuses = [s for task in collected.values() for e in task.values() for s in e["status"].values()]
    seeds = ", ".join(str(seed) for seed in study.seeds)
    parts = [
        "# Results: refined attention against softmax, efficient attention and none",
        "",
        f"Written by `{command}` from the runs under `{study.runs_dir}` "
        f"({statuses.count('done')} of {len(statuses)} cells finished; seeds {seeds}). Each "
        "table gives the mean ± sample standard deviation over the finished seeds of the last "
        "logged value; steps/s is the run's median, peak memory the training process's "
        "resident peak, mean abs γ the attention layers' final |γ| (attention that stays off "
        "has γ near 0). Differences are called beyond the seed spread when |Δ| > 2·SE.",
        "",
        "## Reading",
        "",
        READING_START,
        previous_reading(study.report),
        READING_END,
        "",
    ]
    for task in study.tasks:
        entries = collected.get(task.name, {})
        parts += [f"## {task.title}", ""]
        if task.description:
            parts += [task.description, ""]
        if task.convert:
            parts += [conversion_table(task, entries), ""]
        else:
            parts += [task_table(task, entries), ""]
            comparisons = comparison_lines(task, entries)
            if comparisons:
                parts += ["Differences (last values):", "", *comparisons, ""]
            image = os.path.join(plots, f"{task.name}.png")
            if plot_task(task, entries, image):
                parts += [f"![{task.title}](results/{task.name}.png)", ""]
        failures = [f"- {kind}, {failure}" for kind, e in entries.items() for failure in e["failures"]]
        if failures:
            parts += ["Cells that could not run:", "", *failures, ""]
        parts += ["Commands (seed " + str(study.seeds[0]) + "; the other seeds change `--seed` "
                  "and the logdir):", "", "```bash", *_commands(study, task), "```", ""]
    with open(study.report, "w") as file:
        file.write("\n".join(parts))
    return study.report
