"""Running cells: skip finished work, resume cut-off runs, record failures, stop cleanly."""

import json
import os
import signal
import sys
import textwrap
import threading
import time

import pytest

from training.experiments.commands import resume_command
from training.experiments.execution import CellRunner
from training.experiments.execution import cell_status
from training.experiments.execution import prune_checkpoints
from training.experiments.execution import read_record
from training.experiments.execution import step_arguments
from training.experiments.plan import Cell
from training.experiments.plan import Step
from training.experiments.summary import read_summary

FAKE_CHILD = """
import os, signal, sys, time
what, output = sys.argv[1], sys.argv[2]
if what == "ok":
    open(output, "w").write('{"done": true}')
elif what == "fail":
    print("error: the data folder is empty")
    sys.exit(3)
elif what == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
elif what == "wait":
    def stop(signum, frame):
        open(output + ".stopped", "w").write(str(signum))
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    open(output + ".started", "w").write("")
    time.sleep(60)
"""


@pytest.fixture
def fake_child(tmp_path, monkeypatch):
    (tmp_path / "fake_child.py").write_text(textwrap.dedent(FAKE_CHILD))
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    return tmp_path


def cell_of(tmp_path, *behaviours, needs=None):
    directory = tmp_path / "cell"
    steps = tuple(
        Step("fake_child", (what, str(tmp_path / f"out{index}")), output=str(tmp_path / f"out{index}"))
        for index, what in enumerate(behaviours)
    )
    return Cell("task", "refined", 0, str(directory), steps, needs=needs)


def checkpoint_files(logdir, step):
    folder = os.path.join(logdir, "checkpoints")
    os.makedirs(folder, exist_ok=True)
    for suffix in ("index", "data-00000-of-00001"):
        open(os.path.join(folder, f"ckpt-{step}.{suffix}"), "w").close()


def test_a_run_starts_afresh_resumes_from_its_checkpoint_or_restarts_when_it_had_none(tmp_path):
    logdir = str(tmp_path / "run")
    step = Step("training.run", ("--model", "sagan_refined"), logdir=logdir, steps=5)
    assert step_arguments(step) == step.argv
    os.makedirs(logdir)
    # Stopped before its first checkpoint: its partial logs go.
    assert step_arguments(step) == (*step.argv, "--overwrite")
    checkpoint_files(logdir, 3)
    assert step_arguments(step) == resume_command(logdir, 5)


def test_finished_commands_are_skipped_and_the_cell_recorded(fake_child):
    cell = cell_of(fake_child, "ok", "ok")
    (fake_child / "out0").write_text('{"from": "an earlier session"}')
    lines = []
    assert CellRunner(say=lines.append).run(cell)
    # Only the unfinished second command ran.
    assert sum(line.startswith("  $ ") for line in lines) == 1
    assert (fake_child / "out0").read_text() == '{"from": "an earlier session"}'
    record = read_record(cell)
    assert record["finished"] and record["failed"] is None
    (process,) = record["processes"]
    assert process["exit_code"] == 0 and process["peak_rss_mb"] > 1
    assert cell_status(cell) == "done"
    # The finished cell wrote its summary; a clone that has only the summary sees it done.
    summary = read_summary(cell)
    assert summary["record"] == record
    assert summary["evaluations"] == {"../out0": {"from": "an earlier session"},
                                      "../out1": {"done": True}}
    assert summary["commands"][1] == f"python -m fake_child ok {fake_child / 'out1'}"
    os.remove(os.path.join(cell.directory, "cell.json"))
    assert cell_status(cell) == "done"


@pytest.mark.parametrize(
    "behaviour, expected",
    [("fail", "exit code 3: error: the data folder is empty"), ("kill", "killed by SIGKILL")],
)
def test_a_failure_is_recorded_with_its_reason_and_not_retried_unless_asked(
    fake_child, behaviour, expected
):
    cell = cell_of(fake_child, behaviour, "ok")
    assert not CellRunner(say=lambda line: None).run(cell)
    record = read_record(cell)
    assert record["failed"].startswith(expected)
    assert not (fake_child / "out1").exists()
    assert cell_status(cell) == "failed"
    assert cell_status(cell, retry_failed=True) == "todo"
    assert read_summary(cell) is None


def test_stop_ends_the_running_child_cleanly_and_the_cell_stays_to_do(fake_child):
    cell = cell_of(fake_child, "wait")
    runner = CellRunner(say=lambda line: None)
    result = {}
    thread = threading.Thread(target=lambda: result.update(finished=runner.run(cell)))
    thread.start()
    deadline = time.monotonic() + 30
    while not (fake_child / "out0.started").exists():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    runner.stop(signal.SIGTERM)
    thread.join(30)
    assert result == {"finished": False}
    assert (fake_child / "out0.stopped").read_text() == str(int(signal.SIGTERM))
    record = read_record(cell)
    assert record["failed"] is None and not record["finished"]
    assert cell_status(cell) == "todo"


def test_a_cell_waits_for_its_source(fake_child, tmp_path):
    source = cell_of(tmp_path, "ok")
    dependent = Cell("conv", "refined", 0, str(tmp_path / "dependent"), (), needs=source.directory)
    assert cell_status(dependent) == "waiting"
    assert CellRunner(say=lambda line: None).run(source)
    assert cell_status(dependent) == "todo"


def test_checkpoints_go_once_no_unfinished_cell_starts_from_them(tmp_path):
    def finished_cell(name, needs=None):
        directory = tmp_path / name
        logdir = str(directory / "run")
        checkpoint_files(logdir, 4)
        (directory / "cell.json").write_text(json.dumps({"processes": [], "failed": None, "finished": True}))
        step = Step("training.run", (), logdir=logdir, steps=4)
        return Cell(name, "softmax", 0, str(directory), (step,), needs=needs)

    source = finished_cell("source")
    other = finished_cell("other")
    dependent = Cell("conv", "refined", 0, str(tmp_path / "conv"), (), needs=source.directory)
    removed = prune_checkpoints([source, other, dependent])
    assert removed == [os.path.join(other.directory, "run", "checkpoints")]
    assert os.path.isdir(os.path.join(source.directory, "run", "checkpoints"))
    # The records and logs stay: the cell is still done.
    assert cell_status(other) == "done"
    (tmp_path / "conv").mkdir()
    (tmp_path / "conv" / "cell.json").write_text(
        json.dumps({"processes": [], "failed": None, "finished": True})
    )
    assert prune_checkpoints([source, other, dependent]) == [
        os.path.join(source.directory, "run", "checkpoints")
    ]
