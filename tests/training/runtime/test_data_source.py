"""A run records where its images came from and resumes only on the same images."""

import json
import shutil

import pytest

from training import config as config_lib
from training import data
from training.run import main


def test_a_run_records_its_data_source(gan_run):
    source = config_lib.load_data_source(str(gan_run))
    assert source == data.dataset_info("fashion_mnist").source


def test_resuming_on_another_copy_of_the_dataset_is_refused(gan_run, tmp_path, capsys):
    logdir = tmp_path / "run"
    shutil.copytree(gan_run, logdir)
    (logdir / config_lib.DATA_FILENAME).write_text(
        json.dumps({"source": "Debian's dataset-fashion-mnist files (60,000 training images)"})
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["--resume", "--logdir", str(logdir), "--steps", "9", "--quiet"])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "trained on Debian's dataset-fashion-mnist files" in message
    assert "Provide the same data again" in message


def test_runs_from_before_the_record_still_resume(gan_run, tmp_path):
    logdir = tmp_path / "run"
    shutil.copytree(gan_run, logdir)
    (logdir / config_lib.DATA_FILENAME).unlink()
    assert main(["--resume", "--logdir", str(logdir), "--steps", "9", "--quiet"]) == 0
