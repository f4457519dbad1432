"""A finished cell's summary: the small JSON a study commits instead of its raw run directories.

`summary.json`, in the cell's directory, holds everything the report needs and what it takes to
redo the cell: the cell (task, kind, seed), the commands that made it, its record (`cell.json`:
exit codes, wall time, peak memory), and for each of its runs the configuration (`config.json`,
`model.json`, `data.json`) and every scalar's curve over steps (losses, metrics, speed, each
attention layer's γ), plus the JSON its evaluations wrote (`converted.json`). The event files,
checkpoints, images and logs stay out of git; the commands regenerate them.

Example (a finished cell of a study):

    >>> write_summary(cell)                      # doctest: +SKIP
    'studies/results/generation/refined/seed0/summary.json'
    >>> read_summary(cell)["runs"]["run"]["scalars"]["gamma/g_attention"][-1]  # doctest: +SKIP
    [800, -0.0317]
"""

import json
import os
import shlex

SUMMARY_FILENAME = "summary.json"
FORMAT = 1
_DIGITS = 9  # enough to give back every float32 of the event files exactly
_RUN_FILES = ("config", "model", "data")


def summary_path(directory):
    """`<cell directory>/summary.json`."""
    return os.path.join(directory, SUMMARY_FILENAME)


def has_summary(directory):
    """True once the cell in `directory` finished and wrote its summary."""
    return os.path.isfile(summary_path(directory))


def read_summary(cell):
    """The cell's summary, or None when it has none (not finished, or made before summaries)."""
    if not has_summary(cell.directory):
        return None
    with open(summary_path(cell.directory)) as file:
        return json.load(file)


def _rounded(value):
    return float(f"{value:.{_DIGITS}g}")


def _read_json(path):
    if not os.path.isfile(path):
        return None
    with open(path) as file:
        return json.load(file)


def _run_summary(logdir):
    from training.compare import read_scalars

    run = {name: _read_json(os.path.join(logdir, f"{name}.json")) for name in _RUN_FILES}
    run["scalars"] = {
        tag: [[int(step), _rounded(value)] for step, value in points]
        for tag, points in sorted(read_scalars(logdir).items())
    }
    return run


def build_summary(cell, record):
    """The summary of a finished `cell` from its run directories, outputs and `record`.

    Raises:
        FileNotFoundError: a run's logdir or an evaluation's output is missing (the cell is
            not finished, or its raw files were deleted before it was summarised).
    """
    runs, evaluations = {}, {}
    for step in cell.steps:
        if step.logdir:
            if not os.path.isdir(step.logdir):
                raise FileNotFoundError(
                    f"{cell.name}: the run {step.logdir} is missing; the summary needs its "
                    "event files (rerun the cell with `python -m training.study`)"
                )
            runs[os.path.relpath(step.logdir, cell.directory)] = _run_summary(step.logdir)
        if step.output:
            evaluation = _read_json(step.output)
            if evaluation is None:
                raise FileNotFoundError(f"{cell.name}: the evaluation {step.output} is missing")
            evaluations[os.path.relpath(step.output, cell.directory)] = evaluation
    return {
        "format": FORMAT,
        "cell": {"task": cell.task, "kind": cell.kind, "seed": cell.seed, "probe": cell.probe,
                 "needs": cell.needs},
        "commands": [shlex.join(["python", "-m", step.module, *step.argv]) for step in cell.steps],
        "record": record,
        "runs": runs,
        "evaluations": evaluations,
    }


def write_summary(cell, record):
    """Writes the summary of the finished `cell` (atomically); returns its path."""
    summary = build_summary(cell, record)
    path = summary_path(cell.directory)
    with open(path + ".tmp", "w") as file:
        json.dump(summary, file, separators=(",", ":"))
        file.write("\n")
    os.replace(path + ".tmp", path)
    return path
