"""Checkpoint writes that fail leave no half-written files and say so in the project's words;
rebuilding TensorFlow's index on resume prints nothing and keeps pruning to `max_to_keep`."""

import errno
import logging
import os
import re
import shutil
import subprocess
import sys

import pytest
import tensorflow as tf
from tensorflow.python.ops import io_ops
from tensorflow.python.util import deprecation

from tests.training.conftest import GAN_OPTIONS
from training.runtime.checkpoints import CheckpointError
from training.runtime.checkpoints import RunCheckpoint
from training.runtime.checkpoints import checkpoint_directory
from training.runtime.checkpoints import checkpoint_problem
from training.runtime.checkpoints import checkpoints_in
from training.runtime.checkpoints import repair_index


def run_checkpoint(directory, max_to_keep=3):
    step = tf.Variable(0, dtype=tf.int64)
    weights = tf.Variable(tf.range(64, dtype=tf.float32))
    return RunCheckpoint(str(directory), step, max_to_keep=max_to_keep, weights=weights)


def save_at(checkpoint, step):
    checkpoint.step.assign(step)
    return checkpoint.save()


def full_disk(monkeypatch, error, step=None):
    """Makes TensorFlow's tensor writer fail with `error(prefix)` after it wrote its temporary
    files, as SaveV2 does when the disk fills up mid-write: for every save, or from `step` on."""
    real_save_v2 = io_ops.save_v2

    def save_v2(prefix, *args, **kwargs):
        real_save_v2(prefix, *args, **kwargs)
        saved_step = int(re.search(r"ckpt-(\d+)_temp", prefix.numpy().decode()).group(1))
        if step is None or saved_step >= step:
            raise error(prefix)

    monkeypatch.setattr(io_ops, "save_v2", save_v2)


def tensorflow_error(prefix):
    # The text TensorFlow 2.21 gives on a full tmpfs (the folder and op names are its own).
    return tf.errors.ResourceExhaustedError(
        None,
        None,
        "{{function_node __wrapped__SaveV2_dtypes_5_device_/job:localhost/replica:0/task:0/"
        f"device:CPU:0}}}} {prefix.numpy().decode()}.data-00000-of-00001.tempstate1; No space left "
        "on device [Op:SaveV2]",
    )


def python_error(prefix):
    return OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("error", [tensorflow_error, python_error])
def test_a_failed_save_removes_its_partial_files_and_names_the_kept_checkpoint(
    tmp_path, monkeypatch, error
):
    checkpoint = run_checkpoint(tmp_path)
    kept = save_at(checkpoint, 2)
    full_disk(monkeypatch, error)
    with pytest.raises(CheckpointError) as raised:
        save_at(checkpoint, 4)
    message = str(raised.value)
    assert message == (
        f"could not save the checkpoint of step 4 in {tmp_path}: No space left on device. "
        f"Training stopped; its partial files were removed and the previous checkpoint {kept} "
        "is intact; free space (or fix the folder) and continue with --resume."
    )
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index"
    ]
    assert checkpoint_problem(kept) is None
    # Once there is room again the same checkpoint saves as step 4.
    monkeypatch.undo()
    assert os.path.basename(save_at(checkpoint, 4)) == "ckpt-4"


def test_a_failed_first_save_says_nothing_was_kept(tmp_path, monkeypatch):
    checkpoint = run_checkpoint(tmp_path)
    full_disk(monkeypatch, tensorflow_error)
    with pytest.raises(CheckpointError, match=r"removed and no earlier checkpoint exists\.$"):
        save_at(checkpoint, 2)
    assert os.listdir(tmp_path) == []


def test_an_orphaned_temporary_folder_of_the_step_is_removed_too(tmp_path, monkeypatch):
    # A save killed mid-write (SIGKILL) leaves ckpt-<step>_temp behind; the next failure of the
    # same step removes it with its own.
    checkpoint = run_checkpoint(tmp_path)
    (tmp_path / "ckpt-2_temp").mkdir()
    (tmp_path / "ckpt-2_temp" / "part-00000-of-00001.index").write_bytes(b"partial")
    full_disk(monkeypatch, python_error)
    with pytest.raises(CheckpointError):
        save_at(checkpoint, 2)
    assert os.listdir(tmp_path) == []


def saved_run(logdir, steps, max_to_keep=3):
    checkpoint = run_checkpoint(checkpoint_directory(str(logdir)), max_to_keep)
    for step in steps:
        save_at(checkpoint, step)
    os.remove(os.path.join(checkpoint_directory(str(logdir)), "checkpoint"))


def test_rebuilding_the_index_prints_nothing(tmp_path, capfd, caplog, monkeypatch):
    saved_run(tmp_path, [1, 2])
    capfd.readouterr()
    # TensorFlow logs each deprecation once per process: forget the ones logged so far. Under
    # pytest its log goes to caplog; in a command, to stderr.
    monkeypatch.setattr(deprecation, "_PRINTED_WARNING", {})
    with caplog.at_level(logging.INFO):
        repair_index(str(tmp_path))
    assert caplog.messages == []
    assert capfd.readouterr() == ("", "")
    directory = checkpoint_directory(str(tmp_path))
    state = tf.train.get_checkpoint_state(directory)
    assert state.model_checkpoint_path == os.path.join(directory, "ckpt-2")


def test_a_run_resumed_from_a_rebuilt_index_still_keeps_only_max_to_keep(tmp_path):
    saved_run(tmp_path, [1, 2, 3])
    directory = checkpoint_directory(str(tmp_path))
    repair_index(str(tmp_path), latest=os.path.join(directory, "ckpt-3"))
    resumed = run_checkpoint(directory)
    assert resumed.latest == os.path.join(directory, "ckpt-3")
    save_at(resumed, 4)
    assert [os.path.basename(path) for path in checkpoints_in(directory)] == [
        "ckpt-4", "ckpt-3", "ckpt-2"
    ]


# ~100 s on 2 busy cores: a process of its own. test_rebuilding_the_index_prints_nothing covers
# the same call cheaply.
@pytest.mark.slow
def test_a_quiet_resume_past_a_damaged_checkpoint_prints_only_its_warning(gan_run, tmp_path):
    logdir = tmp_path / "damaged"
    shutil.copytree(gan_run, logdir)
    data = logdir / "checkpoints" / "ckpt-8.data-00000-of-00001"
    with open(data, "r+b") as file:
        file.truncate(os.path.getsize(data) // 2)
    # In a process of its own TensorFlow's log reaches stderr, as it does for a user.
    command = [sys.executable, "-m", "training.run", "--logdir", str(logdir), *GAN_OPTIONS]
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, timeout=600, env=environment
    )
    assert result.returncode == 0, result.stderr
    [warning] = result.stderr.splitlines()  # TensorFlow's deprecation notice was a second one
    damaged = logdir / "checkpoints" / "ckpt-8"
    assert warning.startswith(f"warning: skipping damaged checkpoint(s) {damaged} (")
