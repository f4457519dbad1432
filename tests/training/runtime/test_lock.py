"""One run, one writer: a second process on the same logdir is refused; a stale lock is not."""

import signal
import subprocess
import sys


from tests.training.conftest import GAN_OPTIONS
from tests.training.conftest import train

LOCK_HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, f"{os.getpid()}\\n".encode())
print("locked", flush=True)
time.sleep(120)
"""


def hold_lock(logdir):
    """A process holding the run's lock as a training run would; returns it once it holds it."""
    logdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(logdir / ".lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_writer_is_refused_naming_the_pid(gan_run, tmp_path, capsys):
    import shutil

    logdir = tmp_path / "locked"
    shutil.copytree(gan_run, logdir)
    holder = hold_lock(logdir)
    try:
        events_before = sorted(logdir.glob("events.out.tfevents.*"))
        assert train(logdir, *GAN_OPTIONS, "--resume", "--steps", "10") == 1
        message = capsys.readouterr().err
        assert f"PID {holder.pid}" in message
        assert sorted(logdir.glob("events.out.tfevents.*")) == events_before
        assert not (logdir / "checkpoints" / "ckpt-10.index").exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_fresh_run_into_a_locked_logdir_is_refused(tmp_path, capsys):
    logdir = tmp_path / "fresh"
    holder = hold_lock(logdir)
    try:
        assert train(logdir, *GAN_OPTIONS, "--steps", "1") == 1
        assert f"PID {holder.pid}" in capsys.readouterr().err
        assert not (logdir / "config.json").exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_of_a_killed_process_does_not_block_a_resume(gan_run, tmp_path):
    import shutil

    logdir = tmp_path / "stale"
    shutil.copytree(gan_run, logdir)
    holder = hold_lock(logdir)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (logdir / ".lock").read_text().strip() == str(holder.pid)
    assert train(logdir, *GAN_OPTIONS, "--resume", "--steps", "9") == 0
    # The lock is released at the end of the run, and its PID is cleared.
    assert (logdir / ".lock").read_text() == ""
