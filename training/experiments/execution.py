"""Runs a study's cells as child processes: finished work is skipped, interrupted work resumed.

Each cell keeps `cell.json` (one record per process: command, exit code, wall time, peak
memory) and `log.txt` (the children's output) in its directory, and once finished its
`summary.json` (`training.experiments.summary`: what the study commits; the rest is regenerable
and ignored by git). Training runs resume from their
own checkpoints (`training.run --resume`), so a study stopped anywhere, by a signal, a crash or
the end of a session, continues where it stopped when started again. A child dies with its
parent (it receives SIGTERM, saves a checkpoint and exits), so no orphan keeps a run's lock.
"""

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from training import config as config_lib
from training.experiments.commands import resume_command
from training.experiments.summary import has_summary
from training.experiments.summary import read_summary
from training.experiments.summary import write_summary
from training.runtime import checkpoints

RECORD_FILENAME = "cell.json"
LOG_FILENAME = "log.txt"
_PR_SET_PDEATHSIG = 1


def run_progress(step):
    """`(step reached, finished)` of a `training.run` step, from its checkpoint files."""
    found = checkpoints.find_checkpoints(step.logdir)
    reached = int(found[0].rsplit("-", 1)[1]) if found else 0
    return reached, reached >= step.steps


def step_done(step):
    """True once a step's run reached its last step or its evaluation wrote its output."""
    if step.output:
        return os.path.isfile(step.output)
    return run_progress(step)[1]


def step_arguments(step):
    """The arguments that start the step afresh, or resume it from its newest checkpoint."""
    if step.module == "training.run":
        reached, _ = run_progress(step)
        if reached:
            return resume_command(step.logdir, step.steps)
        if os.path.exists(step.logdir):
            # Stopped before its first checkpoint: nothing to keep.
            return (*step.argv, "--overwrite")
    return step.argv


def read_record(cell):
    """The cell's `cell.json`: its processes, `failed` (a message or None) and `finished`."""
    return _read_record_at(cell.directory)


def _read_record_at(directory):
    path = os.path.join(directory, RECORD_FILENAME)
    if not os.path.isfile(path):
        return {"processes": [], "failed": None, "finished": False}
    with open(path) as file:
        return json.load(file)


def _write_record(cell, record):
    path = os.path.join(cell.directory, RECORD_FILENAME)
    with open(path + ".tmp", "w") as file:
        json.dump(record, file, indent=2)
    os.replace(path + ".tmp", path)


def cell_finished(directory):
    """True for a cell with a summary (a clone holds only those) or a finished record."""
    return has_summary(directory) or bool(_read_record_at(directory).get("finished"))


def cell_status(cell, retry_failed=False):
    """`"done"`, `"failed"` (not retried unless asked), `"waiting"` (its source cell is not
    finished) or `"todo"`."""
    if cell_finished(cell.directory):
        return "done"
    if read_record(cell)["failed"] and not retry_failed:
        return "failed"
    if cell.needs and not cell_finished(cell.needs):
        return "waiting"
    return "todo"


def recorded_data_sources(cells):
    """`{source: logdir}` of the data sources the cells' runs recorded (`data.json`, or the
    summary's copy of it where the run directory is not here)."""
    sources = {}
    for cell in cells:
        summary = read_summary(cell)
        for step in cell.steps:
            if not step.logdir:
                continue
            source = config_lib.load_data_source(step.logdir)
            if not source and summary:
                run = summary["runs"].get(os.path.relpath(step.logdir, cell.directory), {})
                source = (run.get("data") or {}).get("source")
            if source:
                sources.setdefault(source, step.logdir)
    return sources


def prune_checkpoints(cells):
    """Deletes the checkpoints of finished cells that no unfinished cell starts from.

    The logs, configs and records stay (the report reads them); what a resume or a conversion
    needs stays until nothing needs it. This keeps a study small enough to commit.

    Returns:
        The checkpoint folders removed.
    """
    needed = {cell.needs for cell in cells if cell.needs and cell_status(cell) != "done"}
    removed = []
    for cell in cells:
        if cell.directory in needed or cell_status(cell) != "done":
            continue
        for step in cell.steps:
            folder = step.logdir and os.path.join(step.logdir, checkpoints.CHECKPOINT_DIRNAME)
            if folder and os.path.isdir(folder):
                shutil.rmtree(folder)
                removed.append(folder)
    return removed


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class CellRunner:
    """Runs cells one process at a time; `stop()` (from a signal handler) ends the current one.

    Args:
        python: the interpreter of the children.
        say: called with one line per event (start, end, failure of a command).
    """

    def __init__(self, python=sys.executable, say=print):
        self.python = python
        self.say = say
        self.stopped = None
        self._child = None

    def stop(self, signum):
        """Asks the running child to save and exit (SIGTERM); no new command starts."""
        self.stopped = signum
        if self._child is not None and self._child.poll() is None:
            self._child.send_signal(signal.SIGTERM)

    def run(self, cell):
        """Runs the unfinished commands of `cell`; returns True when the cell is finished."""
        os.makedirs(cell.directory, exist_ok=True)
        record = read_record(cell)
        record["failed"] = None
        for step in cell.steps:
            if step_done(step):
                continue
            if self.stopped is not None:
                break
            process = self._run_step(cell, step)
            record["processes"].append(process)
            _write_record(cell, record)
            if self.stopped is not None:
                break
            if process["exit_code"] != 0:
                record["failed"] = process["failure"]
                _write_record(cell, record)
                self.say(f"  failed: {process['failure']}")
                return False
        record["finished"] = all(step_done(step) for step in cell.steps)
        _write_record(cell, record)
        if record["finished"]:
            write_summary(cell, record)
        return record["finished"]

    def _run_step(self, cell, step):
        argv = [self.python, "-m", step.module, *step_arguments(step)]
        self.say(f"  $ python {' '.join(argv[1:])}")
        log_path = os.path.join(cell.directory, LOG_FILENAME)
        start = time.perf_counter()
        with open(log_path, "a") as log:
            log.write(f"\n$ {' '.join(argv)}\n")
            log.flush()
            self._child = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                env={**os.environ, "KERAS_BACKEND": "tensorflow"},
            )
            # wait4 gives this child's own peak memory (getrusage would mix all children).
            _, status, usage = os.wait4(self._child.pid, 0)
            self._child.returncode = os.waitstatus_to_exitcode(status)
        exit_code = self._child.returncode
        self._child = None
        process = {
            "module": step.module,
            "argv": argv[1:],
            "exit_code": exit_code,
            "wall_s": round(time.perf_counter() - start, 1),
            # Linux reports ru_maxrss in KiB.
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "failure": None,
        }
        if exit_code != 0 and self.stopped is None:
            process["failure"] = _failure(exit_code, log_path)
        return process


def _failure(exit_code, log_path):
    if exit_code < 0:
        name = signal.Signals(-exit_code).name
        cause = " (the kernel's out-of-memory killer sends it)" if name == "SIGKILL" else ""
        return f"killed by {name}{cause}"
    with open(log_path) as log:
        lines = [line.strip() for line in log if line.strip()]
    errors = [line for line in lines if line.startswith("error") or "Error" in line]
    return f"exit code {exit_code}: {(errors or lines or ['no output'])[-1][:300]}"
