"""`python -m training.study`: a tiny real study, resumed where it stopped, then left alone."""

import json
import subprocess
import sys

import pytest

from training.run import main as train
from training.runtime.checkpoints import find_checkpoints
from training.study import main
from tests.training.conftest import TINY

STEPS = 2


def tiny_study(tmp_path, kinds=("refined",), seeds=(0, 1), extra_tasks=()):
    study = {
        "runs_dir": str(tmp_path / "runs"),
        "report": str(tmp_path / "docs" / "results.md"),
        "seeds": list(seeds),
        "tasks": [{
            "name": "recon", "family": "autoencoder", "kinds": list(kinds),
            "options": {"ch": 8, "batch_size": 4, "steps": STEPS, "eval_every": STEPS,
                        "eval_batches": 1, "corruption": "hole"},
            "metrics": ["eval/psnr", "eval/psnr_hidden"],
        }, *extra_tasks],
    }
    (tmp_path / "docs").mkdir(exist_ok=True)
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study))
    return str(path)


def test_a_study_resumes_a_cut_off_run_finishes_and_then_has_nothing_left(tmp_path, capsys):
    path = tiny_study(tmp_path)
    # Seed 1 was cut off after its first step in an earlier session.
    partial = tmp_path / "runs" / "recon" / "refined" / "seed1" / "run"
    assert train(["--logdir", str(partial), "--model", "autoencoder_refined", *TINY[:-1],
                  "--steps", "1", "--seed", "1", "--corruption", "hole", "--eval-every", "2",
                  "--eval-batches", "1", "--quiet"]) == 0
    assert main([path]) == 0
    out = capsys.readouterr().out
    assert "--resume --logdir " + str(partial) + " --steps 2" in out
    assert "0 cell(s) left, 0 failed" in out
    report = (tmp_path / "docs" / "results.md").read_text()
    assert "| refined | 2/2 |" in report and " ± " in report
    # Finished: the checkpoints went, the logs stay, and each cell wrote its summary.
    assert not find_checkpoints(str(partial))
    assert (partial.parent / "summary.json").is_file()
    assert main([path]) == 0
    assert "  $ " not in capsys.readouterr().out
    assert main([path, "--list"]) == 0
    assert capsys.readouterr().out.split() == ["done", "recon/refined/seed0", "done",
                                               "recon/refined/seed1"]


def test_bad_arguments_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "none.json")])
    assert exit_info.value.code == 2
    assert "cannot read the study file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([tiny_study(tmp_path), "--task", "nope"])
    assert exit_info.value.code == 2
    assert "--task nope: no such task" in capsys.readouterr().err


@pytest.mark.slow
def test_a_conversion_study_end_to_end(tmp_path):
    generation = {
        "name": "gen", "family": "sagan", "kinds": ["softmax"],
        "options": {"ch": 8, "batch_size": 4, "steps": 2, "fid_every": 2, "fid_samples": 4},
        "metrics": ["eval/fid"],
    }
    conversion = {"name": "conv", "convert": {
        "source": "gen", "targets": ["softmax", "refined", "efficient"], "fine_tune_steps": 2,
        "fid_samples": 4,
    }}
    path = tiny_study(tmp_path, seeds=(0,), extra_tasks=(generation, conversion))
    done = subprocess.run([sys.executable, "-m", "training.study", path, "--task", "gen",
                           "--task", "conv"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "docs" / "results.md").read_text()
    assert "| efficient | 1/1 |" in report


def test_a_task_begun_on_other_images_gets_no_new_cells_here(tmp_path, capsys):
    from training import data
    from training.experiments.plan import load_study
    from training.study import _data_conflicts

    path = tiny_study(tmp_path)
    study = load_study(path)
    first = study.cells()[0].steps[0].logdir
    (tmp_path / "runs" / "recon" / "refined" / "seed0" / "run").mkdir(parents=True)
    here = data.dataset_info("fashion_mnist").source
    (tmp_path / "runs" / "recon" / "refined" / "seed0" / "run" / "data.json").write_text(
        json.dumps({"source": here})
    )
    assert _data_conflicts(study, study.cells()) == {}
    (tmp_path / "runs" / "recon" / "refined" / "seed0" / "run" / "data.json").write_text(
        json.dumps({"source": "another copy"})
    )
    assert main([path]) == 1
    out = capsys.readouterr().out
    assert f"skipped, its runs trained on another copy ({first})" in out
    assert "  $ " not in out
