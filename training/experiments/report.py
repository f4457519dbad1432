"""The study's report: mean ± std over seeds, paired differences with 95 % intervals, plots.

Everything comes from the cells' summaries (`training.experiments.summary`: every scalar's
curve, the records, the evaluations' JSON), so a clone without event files rebuilds the page;
nothing is typed in. Text between the `<!-- reading -->` and `<!-- /reading -->` markers of an
existing report is kept: that is where people write what the numbers mean.
"""

import os
import shlex

import numpy as np

from training.compare import HIGHER_IS_BETTER
from training.compare import SPEED_TAG
from training.experiments.execution import cell_status
from training.experiments.execution import read_record
from training.experiments.plots import better
from training.experiments.plots import plot_gamma
from training.experiments.plots import plot_task
from training.experiments.statistics import CONFIDENCE
from training.experiments.statistics import paired_difference
from training.experiments.statistics import unpaired_difference
from training.experiments.statistics import verdict
from training.experiments.summary import read_summary

READING_START, READING_END = "<!-- reading -->", "<!-- /reading -->"
_NO_READING = "(Not written yet: the study is still running.)"
# A conversion cell's metrics: right after the conversion, and after its fine-tuning.
CONVERTED, FINE_TUNED = "converted", "fine-tuned"


def _peak_memory(record, module="training.run"):
    peaks = [p["peak_rss_mb"] for p in record["processes"] if p["module"] == module]
    return max(peaks) if peaks else float("nan")


def _learning_rate_tag(layer, scalars):
    """The learning-rate scalar of the optimizer that trains the attention layer `layer`."""
    rates = sorted(tag for tag in scalars if tag.startswith("learning_rate/"))
    name = layer.split("/", 1)[1]
    by_network = {"g_": "learning_rate/generator", "d_": "learning_rate/discriminator"}
    for prefix, tag in by_network.items():
        if name.startswith(prefix) and tag in rates:
            return tag
    return rates[0] if len(rates) == 1 else None


def gamma_reach(scalars, layer):
    """`[(step, Σ learning rate up to step)]`: about the farthest Adam takes γ from its start.

    The logged learning rate is taken as constant between its points.
    """
    tag = _learning_rate_tag(layer, scalars)
    if tag is None:
        return []
    reach, total, previous = [], 0.0, 0
    for step, rate in scalars[tag]:
        total += rate * (step - previous)
        previous = step
        reach.append((step, total))
    return reach


def run_result(summary, logdir, metrics):
    """What the report needs of one run of a summary: last metric values, curves, γ, speed."""
    run = summary["runs"][logdir]
    scalars = {tag: [tuple(point) for point in points] for tag, points in run["scalars"].items()}
    speeds = [value for _, value in scalars.get(SPEED_TAG, [])]
    gammas = {tag: points for tag, points in scalars.items() if tag.startswith("gamma/")}
    from_scratch = not (run.get("config") or {}).get("init_from")
    return {
        "seed": summary["cell"]["seed"],
        "metrics": {tag: scalars[tag][-1][1] for tag in metrics if scalars.get(tag)},
        "curves": {tag: scalars.get(tag, []) for tag in metrics},
        "steps_per_sec": float(np.median(speeds)) if speeds else float("nan"),
        "peak_memory_mb": _peak_memory(summary["record"]),
        "gamma": (float(np.mean([abs(points[-1][1]) for points in gammas.values()]))
                  if gammas else float("nan")),
        "gamma_curves": gammas,
        "gamma_reach": {layer: gamma_reach(scalars, layer) for layer in gammas} if from_scratch
        else {},
    }


def _relative(path, cell):
    return os.path.relpath(path, cell.directory)


def collect(study):
    """`{task: {kind: {"results": [per seed], "status": {seed: status}, ...}}}` of the study.

    Results come from the cells' summaries only; a finished cell without one (made before
    summaries existed) is listed in `unsummarised`.
    """
    collected = {}
    for cell in study.cells():
        task = study.task(cell.task)
        entry = collected.setdefault(cell.task, {}).setdefault(cell.kind, {
            "results": [], "status": {}, "failures": [], "probe": cell.probe, "unsummarised": [],
        })
        status = cell_status(cell)
        entry["status"][cell.seed] = status
        if status == "failed":
            entry["failures"].append(f"seed {cell.seed}: {read_record(cell)['failed']}")
        if status != "done":
            continue
        summary = read_summary(cell)
        if summary is None:
            entry["unsummarised"].append(cell.name)
            continue
        if task.convert:
            evaluation = summary["evaluations"][_relative(cell.steps[0].output, cell)]
            result = run_result(summary, _relative(cell.steps[1].logdir, cell), task.metrics)
            result["metrics"] = {
                **{f"{tag} {FINE_TUNED}": value for tag, value in result["metrics"].items()},
                f"eval/fid {CONVERTED}": evaluation["fid"],
                f"eval/kid {CONVERTED}": evaluation["kid"],
            }
        else:
            result = run_result(summary, _relative(cell.steps[0].logdir, cell), task.metrics)
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


def _signed(value):
    return f"{value:+#.3g}".replace("-", "−")


def compare_kinds(kind, reference, values, reference_values, tag):
    """One line of the report: `kind − reference` on `tag`, paired and unpaired, in words.

    `values` and `reference_values` are `{seed: value}`. The words follow the paired interval
    (see `training.experiments.statistics.verdict`).
    """
    paired = paired_difference(values, reference_values)
    unpaired = unpaired_difference(values, reference_values)
    if not np.isfinite(paired.mean):
        return None
    percent = f"{CONFIDENCE:.0%}".replace("%", " %")
    interval = "[{}, {}]".format(*map(_signed, paired.interval))
    spread = "[{}, {}]".format(*map(_signed, unpaired.interval))
    words = verdict(kind, reference, paired, any(key in tag for key in HIGHER_IS_BETTER))
    return (f"{kind} − {reference}, {tag}: {_signed(paired.mean)}, paired {percent} CI "
            f"{interval} ({paired.count} seeds), unpaired {spread}: {words}")


def _by_seed(entry, tag):
    return {r["seed"]: r["metrics"].get(tag, np.nan) for r in entry["results"]}


def comparison_lines(task, entries, tags, references=("softmax", "none")):
    """One line per kind, reference and tag: the seed-matched difference and its interval.

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
            for tag in tags:
                line = compare_kinds(kind, reference, _by_seed(entry, tag), _by_seed(ref, tag), tag)
                if line:
                    lines.append(f"- {line}")
    return lines


def task_table(task, entries):
    """The markdown table of a training task: one row per kind."""
    header = ["kind", "seeds done", *[f"{tag} ({better(tag)})" for tag in task.metrics],
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


def conversion_table(task, entries):
    """The markdown table of a conversion task: FID/KID right after conversion and fine-tuned."""
    header = ["target kind", "seeds done", "FID converted", "FID fine-tuned",
              "KID converted", "KID fine-tuned", "mean abs γ"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for kind in task.kinds:
        entry = entries.get(kind, {"results": [], "status": {}})
        results = entry["results"]
        row = [kind, f"{len(results)}/{len(entry['status'])}"]
        for tag, digits in (("eval/fid", 2), ("eval/kid", 4)):
            for stage in (CONVERTED, FINE_TUNED):
                values = [r["metrics"].get(f"{tag} {stage}", np.nan) for r in results]
                row.append(format_mean_std(values, digits))
        row.append(format_mean_std([r["gamma"] for r in results], 3))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def conversion_tags():
    """The tags a conversion task compares, in the order of its lines."""
    return [f"{tag} {stage}" for stage in (CONVERTED, FINE_TUNED) for tag in ("eval/fid", "eval/kid")]


def gamma_lines(task, entries):
    """One line per attention layer: each kind's final |γ| (mean ± std) and Adam's reach."""
    results = {kind: e["results"] for kind, e in entries.items()
               if kind in task.kinds and not e["probe"] and e["results"]}
    layers = sorted({tag for rs in results.values() for r in rs for tag in r["gamma_curves"]})
    lines = []
    for layer in layers:
        reaches = [r["gamma_reach"][layer][-1][1] for rs in results.values() for r in rs
                   if r["gamma_reach"].get(layer)]
        reach = f" (reach Σ lr = {max(reaches):.3f})" if reaches else ""
        kinds = [f"{kind} {format_mean_std([abs(r['gamma_curves'][layer][-1][1]) for r in rs])}"
                 for kind, rs in results.items() if all(layer in r["gamma_curves"] for r in rs)]
        lines.append(f"- {layer}{reach}: final |γ| " + ", ".join(kinds))
    return lines


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


def _header(study, command, collected):
    statuses = [s for task in collected.values() for e in task.values() for s in e["status"].values()]
    seeds = ", ".join(str(seed) for seed in study.seeds)
    return [
        "# Results: refined attention against softmax, efficient attention and none",
        "",
        f"Written by `{command}` from the cells' summaries under `{study.runs_dir}` "
        f"({statuses.count('done')} of {len(statuses)} cells finished; seeds {seeds}). Each "
        "table gives the mean ± sample standard deviation over the finished seeds of the last "
        "logged value; steps/s is the run's median, peak memory the training process's "
        "resident peak, mean abs γ the attention layers' final |γ|. Differences between kinds "
        "are seed-matched (paired): the mean of the per-seed differences with its 95 % "
        "interval from Student's t with n − 1 degrees of freedom (4.30 for 3 seeds); the "
        "unpaired (Welch) 95 % interval beside it shows the spread across seeds. The words "
        "follow the paired interval. γ is the gate of an attention block, not its "
        "contribution, and its scale differs between kinds; it starts at 0 and Adam moves it "
        "by about its learning rate per step, so Σ lr over the steps (the reach) roughly "
        "bounds it.",
        "",
        "## Reading",
        "",
        READING_START,
        previous_reading(study.report),
        READING_END,
        "",
    ]


def _task_section(task, entries, plots):
    parts = [f"## {task.title}", ""]
    if task.description:
        parts += [task.description, ""]
    if task.convert:
        parts += [conversion_table(task, entries), ""]
        comparisons = comparison_lines(task, entries, conversion_tags(), references=("softmax",))
    else:
        parts += [task_table(task, entries), ""]
        comparisons = comparison_lines(task, entries, task.metrics)
    if comparisons:
        parts += ["Differences (last values):", "", *comparisons, ""]
    if not task.convert and plot_task(task, entries, os.path.join(plots, f"{task.name}.png")):
        parts += [f"![{task.title}](results/{task.name}.png)", ""]
    gammas = gamma_lines(task, entries)
    if gammas:
        parts += ["γ at the end, per attention layer (mean ± std over seeds):", "", *gammas, ""]
    if plot_gamma(task, entries, os.path.join(plots, f"{task.name}_gamma.png")):
        parts += [f"![γ over training: {task.title}](results/{task.name}_gamma.png)", ""]
    failures = [f"- {kind}, {failure}" for kind, e in entries.items() for failure in e["failures"]]
    if failures:
        parts += ["Cells that could not run:", "", *failures, ""]
    unsummarised = [name for e in entries.values() for name in e["unsummarised"]]
    if unsummarised:
        parts += [f"Finished but without a summary (run the study with --write-summaries): "
                  f"{', '.join(unsummarised)}", ""]
    return parts


def write_report(study, command):
    """Writes `study.report` (and its plots beside it, in `results/`) from the cells' summaries;
    returns its path."""
    collected = collect(study)
    plots = os.path.join(os.path.dirname(os.path.abspath(study.report)), "results")
    os.makedirs(plots, exist_ok=True)
    parts = _header(study, command, collected)
    for task in study.tasks:
        parts += _task_section(task, collected.get(task.name, {}), plots)
        parts += ["Commands (seed " + str(study.seeds[0]) + "; the other seeds change `--seed` "
                  "and the logdir):", "", "```bash", *_commands(study, task), "```", ""]
    with open(study.report, "w") as file:
        file.write("\n".join(parts))
    return study.report
