"""Study files read into cells: checks, commands, order, conversions."""

import json

import pytest

from training.experiments.commands import option_arguments
from training.experiments.plan import StudyError
from training.experiments.plan import load_study


def write_study(tmp_path, **overrides):
    study = {
        "runs_dir": str(tmp_path / "runs"),
        "report": str(tmp_path / "results.md"),
        "seeds": [0, 1],
        "tasks": [
            {
                "name": "gen",
                "family": "sagan",
                "kinds": ["softmax", "refined"],
                "options": {"steps": 4, "ch": 8, "model_args": {"latent_dim": 16}},
                "metrics": ["eval/fid"],
            },
            {
                "name": "conv",
                "convert": {
                    "source": "gen", "targets": ["softmax", "refined", "efficient"],
                    "fine_tune_steps": 2, "fid_samples": 8,
                },
            },
        ],
    }
    study.update(overrides)
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study))
    return str(path)


def test_cells_cover_the_grid_task_by_task_then_seed_then_kind(tmp_path):
    study = load_study(write_study(tmp_path))
    names = [cell.name for cell in study.cells()]
    assert names == [
        "gen/softmax/seed0", "gen/refined/seed0", "gen/softmax/seed1", "gen/refined/seed1",
        "conv/softmax/seed0", "conv/refined/seed0", "conv/efficient/seed0",
        "conv/softmax/seed1", "conv/refined/seed1", "conv/efficient/seed1",
    ]
    first = study.cells()[0]
    (step,) = first.steps
    assert step.module == "training.run" and step.steps == 4
    assert step.argv[:7] == ("--model", "sagan_softmax", "--seed", "0", "--logdir",
                             str(tmp_path / "runs" / "gen" / "softmax" / "seed0" / "run"),
                             "--quiet")
    assert "--model-arg" in step.argv and "latent_dim=16" in step.argv


def test_a_conversion_cell_evaluates_the_converted_source_then_fine_tunes_it(tmp_path):
    study = load_study(write_study(tmp_path))
    cell = next(c for c in study.cells() if c.name == "conv/efficient/seed1")
    evaluate, fine_tune = cell.steps
    source_cell = str(tmp_path / "runs" / "gen" / "softmax" / "seed1")
    assert cell.needs == source_cell
    assert evaluate.module == "training.evaluate"
    assert evaluate.argv[:4] == ("--logdir", source_cell + "/run", "--attention", "efficient")
    assert "--json" in evaluate.argv and evaluate.output.endswith("converted.json")
    argv = fine_tune.argv
    assert argv[1] == "sagan_efficient" and fine_tune.steps == 2
    # Same options as the source run, the fine-tune's budget, FID at its end.
    for flag, value in [("--ch", "8"), ("--steps", "2"), ("--fid-every", "2"),
                        ("--fid-samples", "8"), ("--init-from", source_cell + "/run")]:
        assert argv[argv.index(flag) + 1] == value


def test_probes_are_timed_for_a_few_steps(tmp_path):
    path = write_study(tmp_path, tasks=[{
        "name": "big", "family": "autoencoder", "kinds": ["softmax", "refined"],
        "options": {"steps": 50}, "metrics": ["eval/psnr"], "probes": {"softmax": 3},
    }])
    softmax, refined = load_study(path).cells()[:2]
    assert softmax.probe and not refined.probe
    assert softmax.steps[0].steps == 3 and refined.steps[0].steps == 50
    argv = softmax.steps[0].argv
    assert argv[argv.index("--summary-every") + 1] == "1"


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"seeds": [0, 0]}, "`seeds` must be a list of distinct"),
        ({"color": 1}, "unknown key(s) ['color']"),
        ({"tasks": []}, "`tasks` must be a non-empty list"),
        ({"tasks": [{"name": "Bad Name", "family": "sagan"}]}, "tasks[0].name"),
        ({"tasks": [{"name": "a", "family": "gan", "options": {"steps": 1},
                     "metrics": ["x"]}]}, "a.family"),
        ({"tasks": [{"name": "a", "family": "sagan", "kinds": ["linear"],
                     "options": {"steps": 1}, "metrics": ["x"]}]}, "a.kinds"),
        ({"tasks": [{"name": "a", "family": "sagan", "options": {},
                     "metrics": ["x"]}]}, "a.options.steps"),
        ({"tasks": [{"name": "a", "family": "sagan", "options": {"steps": 1, "seed": 3},
                     "metrics": ["x"]}]}, "the study sets them"),
        ({"tasks": [{"name": "a", "family": "sagan", "options": {"steps": 1},
                     "metrics": ["x"], "probes": {"none": 1}}]}, "a.probes"),
        ({"tasks": [{"name": "c", "convert": {"source": "gen", "targets": ["refined"],
                     "fine_tune_steps": 2, "fid_samples": 8}}]}, "an earlier sagan task"),
    ],
)
def test_bad_study_files_name_the_key_and_what_is_allowed(tmp_path, overrides, expected):
    with pytest.raises(StudyError) as error:
        load_study(write_study(tmp_path, **overrides))
    assert expected in str(error.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(StudyError, match="cannot read"):
        load_study(str(tmp_path / "missing.json"))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(StudyError, match="not valid JSON"):
        load_study(str(tmp_path / "bad.json"))


def test_option_arguments_spell_training_run_flags():
    assert option_arguments({"batch_size": 8, "quiet": False, "precision": None}) == [
        "--batch-size", "8"
    ]


def test_the_committed_study_file_is_valid():
    study = load_study("studies/results.json")
    assert len(study.seeds) >= 3
    assert {task.name for task in study.tasks} >= {
        "reconstruction", "inpainting", "high_resolution", "generation", "conversion"
    }
