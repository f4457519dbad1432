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


def test_corrupt_checkpoint_is_an_error_naming_it(gan_run, tmp_path, capsys):
    logdir = tmp_path / "corrupt"
    shutil.copytree(gan_run, logdir)
    latest = latest_checkpoint(str(logdir))
    data_file = latest + ".data-00000-of-00001"
    with open(data_file, "r+b") as file:
        file.truncate(os.path.getsize(data_file) // 2)
    assert train(logdir, *GAN_OPTIONS, "--resume", "--steps", str(GAN_STEPS + 2)) == 1
    assert f"Cannot restore checkpoint {latest}" in capsys.readouterr().err


def test_overwrite_starts_afresh(gan_run, tmp_path):
    logdir = tmp_path / "overwritten"
    shutil.copytree(gan_run, logdir)
    assert train(logdir, "--model", "sagan_refined", *TINY, "--steps", "1", "--overwrite") == 0
    assert checkpoint_step(logdir) == 1
    assert tf.train.get_checkpoint_state(str(logdir / "checkpoints")).all_model_checkpoint_paths[
        0
    ].endswith("ckpt-1")
    assert len(list(logdir.glob("events.out.tfevents.*"))) == 1
