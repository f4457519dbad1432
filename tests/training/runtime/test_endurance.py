"""Endurance: a run SIGKILLed at random points again and again ends bit-identical to the
uninterrupted one."""

import random
import signal
import time

import pytest

from tests.training.conftest import GAN_OPTIONS
from tests.training.conftest import GAN_STEPS
from tests.training.conftest import assert_same_checkpoints
from tests.training.conftest import train
from tests.training.runtime.test_checkpoints import start_run
from training.runtime.checkpoints import latest_checkpoint

# A checkpoint every step gives the kills many places to land (between steps, in the middle of
# a save, in the middle of a picture); pictures every step slow the run enough to catch it. How
# often a run saves or draws does not change its training state.
OPTIONS = (*GAN_OPTIONS, "--checkpoint-every", "1", "--image-every", "1", "--summary-every", "1")


def newest_step(logdir):
    latest = latest_checkpoint(str(logdir))
    return int(latest.rsplit("-", 1)[1]) if latest else 0


def kill_after(process, logdir, step, delay, timeout=120):
    """SIGKILLs the run `delay` seconds after it has a checkpoint of `step` or later."""
    deadline = time.monotonic() + timeout
    while newest_step(logdir) < step:
        assert time.monotonic() < deadline, f"no checkpoint of step {step} within {timeout} s"
        assert process.poll() is None, f"the run ended (code {process.returncode}) too early"
        time.sleep(0.02)
    time.sleep(delay)
    process.kill()
    assert process.wait(timeout=60) == -signal.SIGKILL, "the run ended before the kill"


@pytest.mark.parametrize(
    "kills, seed",
    [
        # Over 30 s (two process start-ups) and ~75 s (six). The default run covers the path:
        # test_checkpoints' in-process resume and damaged-checkpoint fallback, and
        # test_distribution's SIGKILLed worker, resumed bit-exactly.
        pytest.param(2, 0, marks=pytest.mark.slow),
        pytest.param(5, 1, marks=pytest.mark.slow),
    ],
)
def test_run_killed_at_random_points_ends_bit_identical(gan_run, tmp_path, kills, seed):
    chance = random.Random(seed)
    # Distinct steps after which to kill, each followed by a delay that lands the kill
    # anywhere from right after that step's save to the middle of a later step.
    targets = sorted(chance.sample(range(1, GAN_STEPS), kills))
    logdir = tmp_path / "killed"
    killed_at = []
    for index, target in enumerate(targets):
        resume = ("--resume",) if index else ()
        # A kill that landed late may already have passed the next target: keep making progress.
        target = max(target, newest_step(logdir) + 1)
        if target >= GAN_STEPS:
            break
        process, log = start_run(logdir, *OPTIONS, *resume)
        try:
            kill_after(process, logdir, target, delay=chance.uniform(0.0, 0.4))
        finally:
            process.kill()
            log.close()
        killed_at.append(newest_step(logdir))
    print(f"killed after the checkpoint of steps {killed_at}")
    assert len(killed_at) >= 2 and killed_at[-1] < GAN_STEPS, f"killed at {killed_at}"

    assert train(logdir, *OPTIONS, "--resume") == 0
    final = f"checkpoints/ckpt-{GAN_STEPS}"
    assert_same_checkpoints(gan_run / final, logdir / final)
