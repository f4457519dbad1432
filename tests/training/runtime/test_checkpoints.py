"""Checkpoints: exact resume after SIGTERM and SIGKILL, and clear errors instead of fresh starts."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf

from tests.training.conftest import GAN_OPTIONS
from tests.training.conftest import GAN_STEPS
from tests.training.conftest import TINY
from tests.training.conftest import assert_same_checkpoints
from tests.training.conftest import train
from training.runtime.checkpoints import latest_checkpoint

# Images every step make the interrupted runs slow enough to be caught mid-run; how often a
# run draws pictures does not change its training state.
SLOW = ("--image-every", "1", "--summary-every", "1")


def start_run(logdir, *options):
    command = [sys.executable, "-m", "training.run", "--logdir", str(logdir), *options]
    log = open(os.path.join(os.path.dirname(logdir), f"{os.path.basename(logdir)}.log"), "a")
    return subprocess.Popen(command, stdout=log, stderr=log), log


def wait_for_checkpoint(process, logdir, after_step, timeout=120):
    """Waits until the run has a checkpoint later than `after_step`; returns its step."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        latest = latest_checkpoint(str(logdir))
        if latest is not None and int(latest.rsplit("-", 1)[1]) > after_step:
            return int(latest.rsplit("-", 1)[1])
        assert process.poll() is None, f"the run ended (code {process.returncode}) too early"
        time.sleep(0.02)
    raise AssertionError(f"no checkpoint after step {after_step} within {timeout} s")


def checkpoint_step(logdir):
    return int(latest_checkpoint(str(logdir)).rsplit("-", 1)[1])


@pytest.mark.slow  # ~45 s: two process start-ups; the in-process resume test is the cheap one
def test_interrupted_run_resumes_to_the_uninterrupted_weights(gan_run, tmp_path):
    logdir = tmp_path / "interrupted"
    # SIGTERM: the run finishes its step, saves a checkpoint and exits with 128 + 15.
    process, log = start_run(logdir, *GAN_OPTIONS, *SLOW)
    wait_for_checkpoint(process, logdir, after_step=0)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    stopped_at = checkpoint_step(logdir)
    assert 2 <= stopped_at < GAN_STEPS

    # SIGKILL after a checkpoint beyond the one it resumed from: nothing gets saved.
    process, log = start_run(logdir, *GAN_OPTIONS, *SLOW, "--resume")
    killed_after = wait_for_checkpoint(process, logdir, after_step=stopped_at)
    process.kill()
    assert process.wait(timeout=60) == -signal.SIGKILL
    log.close()
    assert stopped_at < checkpoint_step(logdir) < GAN_STEPS, "the run was not killed mid-run"
    assert checkpoint_step(logdir) >= killed_after

    assert train(logdir, *GAN_OPTIONS, "--resume") == 0
    # Bit-exact: every noise draw is a function of (seed, step, replica), the data iterator is
    # in the checkpoint, and the same ops run in the same order on the same device.
    final = f"checkpoints/ckpt-{GAN_STEPS}"
    assert_same_checkpoints(gan_run / final, logdir / final)


def test_resume_in_process_matches_the_uninterrupted_run(gan_run, tmp_path):
    logdir = tmp_path / "halves"
    assert train(logdir, *GAN_OPTIONS, "--steps", str(GAN_STEPS // 2)) == 0
    assert checkpoint_step(logdir) == GAN_STEPS // 2
    # --steps may change on resume: the run continues to the new end.
    assert train(logdir, *GAN_OPTIONS, "--resume") == 0
    final = f"checkpoints/ckpt-{GAN_STEPS}"
    assert_same_checkpoints(gan_run / final, logdir / final)


def test_resume_without_a_run_is_an_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train(tmp_path / "empty", *GAN_OPTIONS, "--resume")
    assert exit_info.value.code == 2
    assert "no run in" in capsys.readouterr().err


def test_resume_without_a_checkpoint_is_an_error(gan_run, tmp_path, capsys):
    logdir = tmp_path / "no_checkpoint"
    shutil.copytree(gan_run, logdir)
    shutil.rmtree(logdir / "checkpoints")
    with pytest.raises(SystemExit) as exit_info:
        train(logdir, *GAN_OPTIONS, "--resume")
    assert exit_info.value.code == 2
    assert "holds no checkpoint" in capsys.readouterr().err


def test_fresh_start_into_an_existing_run_is_refused(gan_run, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train(gan_run, *GAN_OPTIONS)
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "already holds a run" in message
    assert "--resume" in message and "--overwrite" in message


def test_resume_with_other_options_names_them(gan_run, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train(gan_run, *GAN_OPTIONS, "--resume", "--ch", "16", "--seed", "3")
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "--ch: run has 8, asked 16" in message
    assert "--seed: run has 0, asked 3" in message


def test_incompatible_checkpoint_is_an_error_naming_it(gan_run, tmp_path, capsys):
    logdir = tmp_path / "incompatible"
    shutil.copytree(gan_run, logdir)
    # As if the checkpoints came from a run of another width.
    for name in ("config.json", "model.json"):
        record = json.loads((logdir / name).read_text())
        (record["arguments"] if name == "model.json" else record)["ch"] = 16
        (logdir / name).write_text(json.dumps(record))
    assert train(logdir, "--resume", "--steps", str(GAN_STEPS + 2), "--quiet") == 1
    message = capsys.readouterr().err
    assert f"Cannot restore checkpoint {latest_checkpoint(str(logdir))}" in message
    assert "shape" in message


def copy_run(gan_run, tmp_path, name):
    logdir = tmp_path / name
    shutil.copytree(gan_run, logdir)
    return logdir


def truncate(path):
    with open(path, "r+b") as file:
        file.truncate(os.path.getsize(path) // 2)


def test_damaged_newest_checkpoint_falls_back_to_the_newest_readable_one(
    gan_run, tmp_path, capsys
):
    logdir = copy_run(gan_run, tmp_path, "damaged_newest")
    checkpoints = logdir / "checkpoints"
    truncate(checkpoints / "ckpt-8.data-00000-of-00001")
    assert train(logdir, *GAN_OPTIONS, "--resume", "--steps", str(GAN_STEPS)) == 0
    message = capsys.readouterr().err
    assert f"skipping damaged checkpoint(s) {checkpoints}/ckpt-8" in message
    assert f"using {checkpoints}/ckpt-6" in message
    # The resumed run retrained steps 7 and 8 and wrote a good ckpt-8 over the damaged one.
    assert_same_checkpoints(gan_run / "checkpoints/ckpt-8", checkpoints / "ckpt-8")


@pytest.mark.parametrize("index", ["deleted", "garbled"])
def test_resume_finds_checkpoints_from_their_files(gan_run, tmp_path, index):
    logdir = copy_run(gan_run, tmp_path, f"index_{index}")
    checkpoints = logdir / "checkpoints"
    for path in checkpoints.glob("ckpt-8.*"):
        path.unlink()
    if index == "deleted":
        (checkpoints / "checkpoint").unlink()
    else:
        (checkpoints / "checkpoint").write_text("model_checkpoint_path: \x00garbage {{\n")
    # Resumes from ckpt-6 (--quiet hides the "Resuming" line) and retrains steps 7 and 8.
    assert train(logdir, *GAN_OPTIONS, "--resume", "--steps", str(GAN_STEPS)) == 0
    assert_same_checkpoints(gan_run / "checkpoints/ckpt-8", checkpoints / "ckpt-8")
    # The checkpoints found from the files are still there (none forgotten, none deleted).
    assert (checkpoints / "ckpt-4.index").exists() or (checkpoints / "ckpt-6.index").exists()


def test_every_checkpoint_damaged_is_an_error_naming_them_without_advising_overwrite(
    gan_run, tmp_path, capsys
):
    logdir = copy_run(gan_run, tmp_path, "all_damaged")
    for path in (logdir / "checkpoints").glob("ckpt-*.index"):
        truncate(path)
    assert train(logdir, *GAN_OPTIONS, "--resume", "--steps", str(GAN_STEPS + 2)) == 1
    message = capsys.readouterr().err
    for step in (4, 6, 8):
        assert f"ckpt-{step} (" in message
    assert "--overwrite" not in message.split(" error: ", 1)[-1]


def test_checkpoint_files_without_a_complete_checkpoint_do_not_advise_overwrite(
    gan_run, tmp_path, capsys
):
    logdir = copy_run(gan_run, tmp_path, "no_index_files")
    for path in (logdir / "checkpoints").glob("ckpt-*.index"):
        path.unlink()
    with pytest.raises(SystemExit) as exit_info:
        train(logdir, *GAN_OPTIONS, "--resume")
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "ckpt-8.data-00000-of-00001" in message
    assert "--overwrite" not in message.split(" error: ", 1)[-1]


def test_sample_finds_checkpoints_from_their_files(gan_run, tmp_path, capsys):
    from training import sample

    logdir = copy_run(gan_run, tmp_path, "sample_no_index")
    (logdir / "checkpoints" / "checkpoint").unlink()
    truncate(logdir / "checkpoints" / "ckpt-8.index")
    output = tmp_path / "grid.png"
    argv = ["--logdir", str(logdir), "--output", str(output), "--num-samples", "4"]
    assert sample.main(argv) == 0
    captured = capsys.readouterr()
    assert "ckpt-6" in captured.out and "ckpt-8" in captured.err
    assert output.exists()


def test_overwrite_starts_afresh(gan_run, tmp_path):
    logdir = tmp_path / "overwritten"
    shutil.copytree(gan_run, logdir)
    assert train(logdir, "--model", "sagan_refined", *TINY, "--steps", "1", "--overwrite") == 0
    assert checkpoint_step(logdir) == 1
    assert tf.train.get_checkpoint_state(str(logdir / "checkpoints")).all_model_checkpoint_paths[
        0
    ].endswith("ckpt-1")
    assert len(list(logdir.glob("events.out.tfevents.*"))) == 1


def test_the_continue_line_after_a_signal_is_shell_quoted(tmp_path, capsys, monkeypatch):
    import shlex

    from training.trainers.base import Trainer

    original = Trainer.train_step

    def train_step(self):
        logs = original(self)
        if int(self.step.numpy()) == 1:
            signal.raise_signal(signal.SIGTERM)
        return logs

    monkeypatch.setattr(Trainer, "train_step", train_step)
    logdir = tmp_path / "it's a run dir"
    assert train(logdir, *GAN_OPTIONS) == 128 + signal.SIGTERM
    message = capsys.readouterr().err
    line = message.split("Continue with: ", 1)[1].splitlines()[0]
    expected = ["python", "-m", "training.run", "--resume", "--logdir", str(logdir)]
    assert shlex.split(line) == expected
