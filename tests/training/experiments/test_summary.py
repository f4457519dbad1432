"""Cell summaries: every scalar given back exactly, written for older runs, refused without a run."""

import os

import numpy as np
import pytest

from training.compare import read_scalars
from training.experiments.plan import load_study
from training.experiments.summary import build_summary
from training.experiments.summary import read_summary
from training.study import main
from tests.training.experiments.test_plan import write_study
from tests.training.experiments.test_report import fake_run

TASK = {"name": "recon", "family": "autoencoder", "kinds": ["refined", "none"],
        "options": {"steps": 100}, "metrics": ["eval/psnr"]}


def test_a_summary_gives_back_every_scalar_of_the_event_files_exactly(tmp_path):
    study = load_study(write_study(tmp_path, seeds=[0], tasks=[TASK]))
    cell = study.cells()[0]
    record = fake_run(cell.steps[0].logdir, "autoencoder_refined", 0, 21.123456789)
    summary = build_summary(cell, record)
    run = summary["runs"]["run"]
    expected = read_scalars(cell.steps[0].logdir)
    assert set(run["scalars"]) == set(expected)
    for tag, points in expected.items():
        # The event files hold float32: the summary gives back the same float32 values.
        assert [(step, np.float32(value)) for step, value in run["scalars"][tag]] == [
            (step, np.float32(value)) for step, value in points]
    assert run["config"]["model"] == "autoencoder_refined" and run["config"]["seed"] == 0
    assert summary["cell"] == {"task": "recon", "kind": "refined", "seed": 0, "probe": False,
                               "needs": None}
    assert summary["commands"][0].startswith("python -m training.run --model autoencoder_refined")
    assert summary["record"] == record


def test_the_study_summarises_the_finished_cells_made_before_summaries(tmp_path, capsys):
    path = write_study(tmp_path, seeds=[0, 1], tasks=[TASK])
    study = load_study(path)
    finished = [cell for cell in study.cells() if cell.seed == 0]
    for cell in finished:
        fake_run(cell.steps[0].logdir, f"autoencoder_{cell.kind}", 0, 20.0)
    assert main([path, "--write-summaries"]) == 0
    assert capsys.readouterr().out.count("summary.json") == len(finished)
    assert [read_summary(cell) is not None for cell in study.cells()] == [True, True, False, False]
    assert "| refined | 1/2 | 20.000 (1 seed) |" in open(study.report).read()


def test_a_summary_needs_the_run_it_summarises(tmp_path):
    study = load_study(write_study(tmp_path, seeds=[0], tasks=[TASK]))
    cell = study.cells()[0]
    with pytest.raises(FileNotFoundError, match="recon/refined/seed0: the run .* is missing"):
        build_summary(cell, {"processes": [], "failed": None, "finished": True})
    assert not os.path.exists(cell.directory)
