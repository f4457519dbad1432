"""Writes that can fail: unwritable or odd logdirs are refused before training, a full disk at
save time stops the run with the previous checkpoint intact, and outputs create their folder."""

import errno
import os
import tempfile

import pytest

from tests.training.conftest import GAN_OPTIONS
from tests.training.conftest import TINY
from tests.training.conftest import checkpoint_tensors
from tests.training.conftest import train
from tests.training.runtime.test_checkpoint_failures import full_disk
from tests.training.runtime.test_checkpoint_failures import tensorflow_error
from training import compare
from training import export
from training import sample


def refused(logdir, capsys, *options):
    with pytest.raises(SystemExit) as exit_info:
        train(logdir, *(options or GAN_OPTIONS))
    return exit_info.value.code, capsys.readouterr().err


def test_an_unwritable_logdir_is_refused_before_training(capsys):
    # /sys refuses new files even to root, which ignores permission bits.
    code, message = refused("/sys/keras_refined_sa_run", capsys)
    assert code == 2
    assert "cannot write in /sys" in message


def test_an_unwritable_checkpoints_folder_is_refused_before_training(
    gan_run, tmp_path, capsys, monkeypatch
):
    import shutil

    logdir = tmp_path / "read_only_checkpoints"
    shutil.copytree(gan_run, logdir)
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.basename(dir) == "checkpoints":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    code, message = refused(logdir, capsys, *GAN_OPTIONS, "--resume", "--steps", "10")
    assert code == 2
    assert f"cannot write in {logdir}/checkpoints (Permission denied)" in message


def test_a_logdir_that_is_a_file_is_refused(tmp_path, capsys):
    path = tmp_path / "a_file"
    path.write_text("not a run")
    code, message = refused(path, capsys)
    assert code == 2
    assert "is a file, not a directory" in message
    code, message = refused(path / "run", capsys)
    assert code == 2
    assert "is a file, so the directory cannot be created" in message


def test_a_full_disk_at_save_time_stops_with_the_previous_checkpoint_intact(
    tmp_path, capsys, monkeypatch
):
    full_disk(monkeypatch, tensorflow_error, step=4)
    logdir = tmp_path / "full_disk"
    options = ("--model", "sagan_refined", *TINY, "--steps", "6", "--checkpoint-every", "2")
    assert train(logdir, *options) == 1
    message = capsys.readouterr().err
    assert "could not save the checkpoint of step 4" in message
    assert "No space left on device" in message
    assert f"previous checkpoint {logdir}/checkpoints/ckpt-2 is intact" in message
    assert "Traceback" not in message and "[Op:" not in message
    assert checkpoint_tensors(logdir / "checkpoints" / "ckpt-2")  # reads back whole
    assert not list((logdir / "checkpoints").glob("ckpt-4*"))  # no ckpt-4_temp either
    assert not (logdir / "samples.png").exists()


def test_export_and_sample_create_the_output_folder(gan_run, tmp_path):
    output = tmp_path / "new" / "folder" / "generator.keras"
    assert export.main(["--logdir", str(gan_run), "--output", str(output)]) == 0
    assert output.exists()
    grid = tmp_path / "other" / "grid.png"
    assert sample.main(["--logdir", str(gan_run), "--output", str(grid), "--num-samples", "4"]) == 0
    assert grid.exists()


def test_export_into_an_unwritable_place_is_a_clear_error(gan_run, capsys):
    assert export.main(["--logdir", str(gan_run), "--output", "/sys/generator.keras"]) == 1
    message = capsys.readouterr().err
    assert "error: cannot write /sys/generator.keras" in message
    assert "Traceback" not in message


def test_compare_plot_creates_its_folder(gan_run, tmp_path):
    plot = tmp_path / "plots" / "curves.png"
    assert compare.main([str(gan_run), "--tags", "losses/d_loss", "--plot", str(plot)]) == 0
    assert plot.exists()
