"""Runs benchmark cases, each in a fresh subprocess under a time limit and a memory cap.

A case is a target function, named `"package.module:function"`, and the JSON parameters it is
called with in the child (see `child.py`). A fresh process per case makes peak-memory numbers
mean one case each (a process's peak resident memory never goes down) and contains every failure:
a case that runs past its time limit is reported as `"timeout"`, one that grows past the memory
cap, raises an allocation error or is killed by the kernel as `"OOM"`, any other exception as
`"error"`. None of them stops the run.

Example:

>>> case = Case("benchmarks.layers.cases:run_layer_case",
...             {"form": "refined", "pass_name": "fwd", "resolution": 16, "batch_size": 1,
...              "channels": 16})
>>> result = run_case(case, Limits(time_limit_s=120, memory_limit_bytes=4 * 2**30))
>>> result.status, result.metrics["time_median_s"]  # doctest: +SKIP
('OK', 0.0009)
"""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.harness.child import is_out_of_memory, split_target

STATUSES = ("OK", "OOM", "timeout", "error")
CHILD_SCRIPT = Path(__file__).with_name("child.py")
GIB = 2**30

# What a failure report keeps of the child's output.
_LOG_TAIL_CHARS = 2000


@dataclasses.dataclass(frozen=True)
class Case:
    """One measurement: `target(**params)` run in a fresh child process.

    Args:
        target: `"package.module:function"`; the function returns a JSON-serialisable dict of
            metrics.
        params: JSON-serialisable keyword arguments of the target.
        name: a label for progress output.
    """

    target: str
    params: dict = dataclasses.field(default_factory=dict)
    name: str = ""

    def __post_init__(self):
        split_target(self.target)  # Fail here, not in the child.


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one case may use before it is stopped.

    Args:
        time_limit_s: wall-clock seconds, from the child's start (imports included).
        memory_limit_bytes: resident memory of the child; polled, so a child may overshoot by
            what it allocates within one `poll_interval_s`.
        poll_interval_s: seconds between two looks at the child.
    """

    time_limit_s: float = 600.0
    memory_limit_bytes: int = 14 * GIB
    poll_interval_s: float = 0.05

    def __post_init__(self):
        for name in ("time_limit_s", "memory_limit_bytes", "poll_interval_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """The outcome of one case.

    Attributes:
        status: one of `STATUSES`.
        metrics: what the target returned (empty unless the status is `"OK"`).
        error: why the case failed, or None.
        wall_s: seconds from the child's start to its end, imports included.
        max_polled_rss_bytes: the largest resident memory the parent saw the child use.
        load_before: `os.getloadavg()` just before the child started.
        load_after: `os.getloadavg()` just after it ended.
    """

    status: str
    metrics: dict
    error: str | None
    wall_s: float
    max_polled_rss_bytes: int
    load_before: tuple
    load_after: tuple

    def as_record(self):
        """A flat dict: the metrics next to status, error, wall time and load averages."""
        return {
            **self.metrics,
            "status": self.status,
            "error": self.error,
            "wall_s": self.wall_s,
            "max_polled_rss_bytes": self.max_polled_rss_bytes,
            "load_before": list(self.load_before),
            "load_after": list(self.load_after),
        }


def classify_failure(killed_for, returncode, child_result, log_tail, limits):
    """Returns `(status, error)` for a finished child.

    Args:
        killed_for: `"timeout"` or `"OOM"` when the parent killed the child, else None.
        returncode: the child's exit status (negative: the signal that ended it).
        child_result: the dict the child wrote, or None when it wrote nothing.
        log_tail: the end of the child's output.
        limits: the `Limits` the child ran under.
    """
    if killed_for == "timeout":
        return "timeout", f"stopped after the time limit of {limits.time_limit_s:g} s"
    if killed_for == "OOM":
        return "OOM", (
            f"stopped above the memory cap of {limits.memory_limit_bytes / GIB:.1f} GiB resident"
        )
    if child_result is not None:
        return child_result["status"], child_result.get("error")
    if is_out_of_memory(log_tail):
        return "OOM", f"the child died of a failed allocation (exit status {returncode})"
    if returncode == -signal.SIGKILL:
        # Nobody here sent it: on Linux that is the kernel's out-of-memory killer.
        return "OOM", "the child was killed by SIGKILL (the kernel's out-of-memory killer)"
    return "error", f"the child exited with status {returncode}: {log_tail[-_LOG_TAIL_CHARS:]}"


def _child_environment(extra_env):
    environment = {**os.environ, **(extra_env or {})}
    # The child can import whatever the parent can: same sys.path, in the same order.
    paths = [path for path in sys.path if path]
    if environment.get("PYTHONPATH"):
        paths.append(environment["PYTHONPATH"])
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    return environment


def _watch(process, limits):
    """Waits for `process`; kills it past a limit. Returns `(killed_for, max_rss_bytes)`."""
    try:
        watched = psutil.Process(process.pid)
    except psutil.NoSuchProcess:  # Already gone: nothing to watch.
        process.wait()
        return None, 0
    deadline = time.monotonic() + limits.time_limit_s
    max_rss = 0
    while True:
        try:
            process.wait(timeout=limits.poll_interval_s)
            return None, max_rss
        except subprocess.TimeoutExpired:
            pass
        try:
            rss = watched.memory_info().rss
        except psutil.NoSuchProcess:  # It ended between the two looks; wait() will see it.
            continue
        max_rss = max(max_rss, rss)
        if rss > limits.memory_limit_bytes:
            killed_for = "OOM"
        elif time.monotonic() > deadline:
            killed_for = "timeout"
        else:
            continue
        process.kill()
        process.wait()
        return killed_for, max_rss


def _read_tail(path):
    with open(path, "rb") as file:
        file.seek(0, os.SEEK_END)
        file.seek(max(0, file.tell() - _LOG_TAIL_CHARS))
        return file.read().decode("utf-8", errors="replace")


def run_case(case, limits=Limits(), env=None):
    """Runs `case` in a fresh child process and returns its `CaseResult`; never raises for a
    failure of the case itself.

    Args:
        case: the `Case` to run.
        limits: the `Limits` it runs under.
        env: variables to set in the child on top of this process's environment (which the
            child inherits, `KERAS_BACKEND` included).
    """
    with tempfile.TemporaryDirectory(prefix="benchmark_case_") as folder:
        folder = Path(folder)
        spec_path, result_path, log_path = (folder / name for name in ("spec", "result", "log"))
        spec_path.write_text(json.dumps({"target": case.target, "params": case.params}))
        load_before = os.getloadavg()
        start = time.perf_counter()
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, str(CHILD_SCRIPT), str(spec_path), str(result_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_environment(env),
            )
            try:
                killed_for, max_rss = _watch(process, limits)
            finally:
                if process.poll() is None:  # Interrupted: leave no orphan behind.
                    process.kill()
                    process.wait()
        wall_s = time.perf_counter() - start
        load_after = os.getloadavg()
        child_result = json.loads(result_path.read_text()) if result_path.exists() else None
        log_tail = _read_tail(log_path)
    status, error = classify_failure(
        killed_for, process.returncode, child_result, log_tail, limits
    )
    metrics = child_result.get("metrics", {}) if child_result and status == "OK" else {}
    return CaseResult(status, metrics, error, wall_s, max_rss, load_before, load_after)


def exit_on_sigterm():
    """Turns SIGTERM into `SystemExit`, so that `run_case`'s clean-up kills the running child.

    Without it, SIGTERM ends the parent at once and the child runs on, orphaned.
    """
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def run_cases(cases, limits=Limits(), env=None, on_result=None):
    """Runs `cases` one after the other (never two at once, so they do not disturb each other).

    Args:
        cases: an iterable of `Case`.
        limits: the `Limits` of every case.
        env: extra environment variables of every child.
        on_result: called as `on_result(case, result)` after each case, e.g. to print progress.

    Returns:
        The list of `CaseResult`, in the order of `cases`.
    """
    results = []
    for case in cases:
        result = run_case(case, limits, env)
        if on_result is not None:
            on_result(case, result)
        results.append(result)
    return results
