"""A study file read into cells: every task × attention kind × seed, as commands to run.

A study file is JSON:

    {
      "runs_dir": "runs/study",           # one logdir per cell below it
      "report": "docs/results.md",        # written after every cell
      "seeds": [0, 1, 2],
      "tasks": [
        {"name": "reconstruction", "title": "Reconstruction, Fashion-MNIST 32 px",
         "family": "autoencoder", "kinds": ["softmax", "refined", "efficient", "none"],
         "options": {"dataset": "fashion_mnist", "steps": 800, "eval_every": 200},
         "metrics": ["eval/psnr", "eval/ssim"],
         "probes": {"softmax": 6}},       # kinds only timed for a few steps (optional)
        {"name": "conversion", "title": "...", "convert": {
           "source": "generation", "source_kind": "softmax",
           "targets": ["softmax", "refined", "efficient"],
           "fine_tune_steps": 100, "fid_samples": 500}}
      ]
    }

`options` are `training.run` options by their long names (`eval_every` for `--eval-every`);
`true` gives a flag, `model_args` a dict of `--model-arg`. A conversion task evaluates the
finished `source_kind` runs of task `source` with their attention converted to each target
(`training.evaluate --attention`), then fine-tunes them as that target (`training.run
--init-from`) and evaluates again.
"""

import dataclasses
import json
import os
import re

from training.choices import ATTENTION_KINDS as KINDS
from training.choices import FAMILIES
from training.experiments.commands import evaluate_command
from training.experiments.commands import training_command

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class StudyError(ValueError):
    """A study file that cannot be run, with the key at fault and what is allowed."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One command of a cell: `python -m <module> <argv>`, done once `done_when` exists.

    Attributes:
        module: `"training.run"` or `"training.evaluate"`.
        argv: its arguments for a fresh start.
        logdir: for `training.run`, the run it trains (resumed with `--resume` if interrupted).
        steps: for `training.run`, the step that finishes it.
        output: for any other command, the file whose existence means it is done.
    """

    module: str
    argv: tuple
    logdir: str = None
    steps: int = None
    output: str = None


@dataclasses.dataclass(frozen=True)
class Cell:
    """One task × attention kind × seed of the grid.

    Attributes:
        task: the task's name. kind: the attention kind. seed: the seed.
        directory: where its runs and records live.
        steps: its commands, in order.
        probe: only timed for a few steps (`steps` of its run), not trained to the budget.
        needs: the directory of a cell that must be finished first (the conversion's source).
    """

    task: str
    kind: str
    seed: int
    directory: str
    steps: tuple
    probe: bool = False
    needs: str = None

    @property
    def name(self):
        return f"{self.task}/{self.kind}/seed{self.seed}"


@dataclasses.dataclass(frozen=True)
class Task:
    """A task of the study: its runs share data, budget and options; only kind and seed vary."""

    name: str
    title: str
    family: str
    kinds: tuple
    options: dict
    metrics: tuple
    probes: dict
    convert: dict = None
    description: str = ""


@dataclasses.dataclass(frozen=True)
class Study:
    """A study file, checked: its path, seeds, tasks and where runs and the report go."""

    path: str
    runs_dir: str
    report: str
    seeds: tuple
    tasks: tuple

    def task(self, name):
        return next(task for task in self.tasks if task.name == name)

    def cells(self):
        """Every cell, task by task, then seed by seed, then kind by kind."""
        return [
            _cell(self, task, kind, seed)
            for task in self.tasks
            for seed in self.seeds
            for kind in task.kinds
        ]

    def cell_directory(self, task, kind, seed):
        return os.path.join(self.runs_dir, task, kind, f"seed{seed}")


def load_study(path):
    """Reads and checks a study file.

    Raises:
        StudyError: unreadable JSON, a missing or unknown key, a bad value; the message names
            the key, what it holds and what is allowed.
    """
    try:
        with open(path) as file:
            raw = json.load(file)
    except OSError as error:
        raise StudyError(f"cannot read the study file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise StudyError(f"{path} is not valid JSON: {error}") from None
    _require(isinstance(raw, dict), path, "the file", raw, "a JSON object")
    _known_keys(path, "the file", raw, {"runs_dir", "report", "seeds", "tasks"})
    seeds = raw.get("seeds", [0, 1, 2])
    _require(
        isinstance(seeds, list) and seeds and all(_is_seed(seed) for seed in seeds)
        and len(set(seeds)) == len(seeds),
        path, "seeds", seeds, "a list of distinct non-negative integers",
    )
    tasks = raw.get("tasks")
    _require(isinstance(tasks, list) and tasks, path, "tasks", tasks, "a non-empty list")
    checked = []
    for index, task in enumerate(tasks):
        checked.append(_task(path, index, task, checked))
    names = [task.name for task in checked]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    _require(not duplicated, path, "tasks[].name", duplicated, "distinct names")
    runs_dir = raw.get("runs_dir", os.path.join("runs", "study"))
    report = raw.get("report", os.path.join("docs", "results.md"))
    return Study(path, runs_dir, report, tuple(seeds), tuple(checked))


def _is_seed(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _require(condition, path, key, value, allowed):
    if not condition:
        raise StudyError(f"{path}: `{key}` must be {allowed}. Received: {key}={value!r}")


def _known_keys(path, where, mapping, known):
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise StudyError(
            f"{path}: unknown key(s) {unknown} in {where}; allowed: {sorted(known)}."
        )


def _task(path, index, raw, earlier):
    where = f"tasks[{index}]"
    _require(isinstance(raw, dict), path, where, raw, "a JSON object")
    name = raw.get("name")
    _require(isinstance(name, str) and _NAME.match(name or ""), path, f"{where}.name", name,
             "a lower-case identifier such as 'reconstruction'")
    where = f"task {name!r}"
    if "convert" in raw:
        return _conversion_task(path, where, raw, earlier)
    _known_keys(path, where, raw,
                {"name", "title", "description", "family", "kinds", "options", "metrics", "probes"})
    family = raw.get("family")
    _require(family in FAMILIES, path, f"{name}.family", family, f"one of {FAMILIES}")
    kinds = raw.get("kinds", list(KINDS))
    _require(isinstance(kinds, list) and kinds and set(kinds) <= set(KINDS)
             and len(set(kinds)) == len(kinds), path, f"{name}.kinds", kinds,
             f"distinct kinds among {KINDS}")
    options = raw.get("options", {})
    _check_options(path, name, options)
    metrics = raw.get("metrics", [])
    _require(isinstance(metrics, list) and metrics and all(isinstance(m, str) for m in metrics),
             path, f"{name}.metrics", metrics, "a non-empty list of TensorBoard tags")
    probes = raw.get("probes", {})
    _require(isinstance(probes, dict) and set(probes) <= set(kinds)
             and all(isinstance(n, int) and n >= 2 for n in probes.values()),
             path, f"{name}.probes", probes, "{kind: steps (at least 2)} for kinds of the task")
    return Task(name, raw.get("title", name), family, tuple(kinds), options, tuple(metrics),
                probes, description=raw.get("description", ""))


def _check_options(path, name, options):
    _require(isinstance(options, dict), path, f"{name}.options", options, "a JSON object")
    reserved = sorted(set(options) & {"model", "seed", "logdir", "resume", "overwrite", "quiet"})
    _require(not reserved, path, f"{name}.options", reserved,
             "free of model, seed, logdir, resume, overwrite and quiet (the study sets them)")
    _require(isinstance(options.get("steps"), int) and options["steps"] > 0, path,
             f"{name}.options.steps", options.get("steps"), "a positive integer (the budget)")


def _conversion_task(path, where, raw, earlier):
    name = raw["name"]
    _known_keys(path, where, raw, {"name", "title", "description", "convert", "options"})
    convert = raw["convert"]
    _require(isinstance(convert, dict), path, f"{name}.convert", convert, "a JSON object")
    _known_keys(path, f"{name}.convert", convert,
                {"source", "source_kind", "targets", "fine_tune_steps", "fid_samples"})
    sources = {task.name: task for task in earlier if not task.convert}
    source = convert.get("source")
    _require(source in sources and sources[source].family == "sagan", path,
             f"{name}.convert.source", source, f"an earlier sagan task, one of {sorted(sources)}")
    source_kind = convert.get("source_kind", "softmax")
    _require(source_kind in sources[source].kinds, path, f"{name}.convert.source_kind",
             source_kind, f"a kind trained by task {source!r}: {sources[source].kinds}")
    targets = convert.get("targets")
    _require(isinstance(targets, list) and targets and set(targets) <= set(KINDS) - {"none"},
             path, f"{name}.convert.targets", targets, "attention kinds (not 'none')")
    for key in ("fine_tune_steps", "fid_samples"):
        value = convert.get(key)
        _require(isinstance(value, int) and value >= 2, path, f"{name}.convert.{key}", value,
                 "an integer of at least 2")
    options = {**sources[source].options, **raw.get("options", {})}
    options.update(steps=convert["fine_tune_steps"], fid_every=convert["fine_tune_steps"],
                   fid_samples=convert["fid_samples"])
    return Task(name, raw.get("title", name), "sagan", tuple(targets), options,
                ("eval/fid", "eval/kid"), {},
                convert={**convert, "source_kind": source_kind, "targets": tuple(targets)},
                description=raw.get("description", ""))


def _cell(study, task, kind, seed):
    directory = study.cell_directory(task.name, kind, seed)
    if task.convert:
        return _conversion_cell(study, task, kind, seed, directory)
    steps = task.probes.get(kind, task.options["steps"])
    options = {**task.options, "steps": steps}
    if kind in task.probes:
        # A probe times a few steps: speed every step, no evaluation cost in the timing.
        options.update(summary_every=1, checkpoint_every=steps, image_every=steps)
    logdir = run_directory(directory)
    argv = training_command(f"{task.family}_{kind}", seed, logdir, options)
    step = Step("training.run", argv, logdir=logdir, steps=steps)
    return Cell(task.name, kind, seed, directory, (step,), probe=kind in task.probes)


def _conversion_cell(study, task, kind, seed, directory):
    needs = study.cell_directory(task.convert["source"], task.convert["source_kind"], seed)
    source = run_directory(needs)
    samples = task.convert["fid_samples"]
    converted = os.path.join(directory, "converted.json")
    evaluate = Step(
        "training.evaluate",
        evaluate_command(source, kind, samples, seed, converted),
        output=converted,
    )
    fine_tuned = os.path.join(directory, "fine_tuned")
    options = {**task.options, "init_from": source}
    run = Step(
        "training.run",
        training_command(f"sagan_{kind}", seed, fine_tuned, options),
        logdir=fine_tuned,
        steps=options["steps"],
    )
    return Cell(task.name, kind, seed, directory, (evaluate, run), needs=needs)


def run_directory(cell_directory):
    """The logdir of a training cell's run, inside the cell's directory."""
    return os.path.join(cell_directory, "run")
