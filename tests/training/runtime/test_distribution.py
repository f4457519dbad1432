"""Distribution in fresh processes: MirroredStrategy on 2 logical CPUs, MultiWorker on 2 processes."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from tests.training.conftest import assert_same_checkpoints
from training.runtime.prepared_run import PEER_LOST_EXIT

SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from training import config as config_lib
from training.runtime import prepared_run
from training.run import main
from training.runtime.strategy import create_strategy
from training.trainers.base import Trainer

logdir = sys.argv[1]
tiny = ["--ch", "8", "--quiet", "--strategy", "mirrored"]
results = {}
try:
    main(["--model", "sagan_refined", *tiny, "--batch-size", "5", "--logdir", logdir + "/odd"])
except SystemExit as exit:
    results["odd_batch_exit"] = exit.code
results["gan_exit"] = main(
    ["--model", "sagan_refined", *tiny, "--batch-size", "4", "--steps", "1", "--conditional",
     "--logdir", logdir + "/gan"]
)

strategy = create_strategy("mirrored")
per_replica = strategy.run(lambda: Trainer._average_loss(tf.ones(2), tf.keras.Sequential()))
results["summed_loss"] = float(strategy.reduce("SUM", per_replica, axis=None))


def one_step(strategy_name):
    config = config_lib.TrainConfig(
        model="autoencoder_refined", ch=8, batch_size=4, strategy=strategy_name,
        logdir=logdir + "/" + strategy_name,
    )
    run = prepared_run.prepare(config)
    run.attach_data()
    model = run.trainer.networks()["autoencoder"]
    start = [np.array(w) for w in model.weights]
    loss = run.trainer.train_step()["losses/reconstruction"]
    statistics = [np.array(w) for w in model.weights if not w.trainable]
    start_statistics = [s for s, w in zip(start, model.weights) if not w.trainable]
    moved = max(float(np.abs(a - b).max()) for a, b in zip(statistics, start_statistics))
    return run.trainer.strategy.num_replicas_in_sync, start, loss, statistics, moved

replicas, mirrored_start, mirrored_loss, mirrored_statistics, _ = one_step("mirrored")
single_replicas, single_start, single_loss, single_statistics, moved = one_step("default")
results["replicas"] = [replicas, single_replicas]
results["same_start"] = all(np.array_equal(a, b) for a, b in zip(mirrored_start, single_start))
results["losses"] = [mirrored_loss, single_loss]
results["statistics_difference"] = max(
    float(np.abs(a - b).max()) for a, b in zip(mirrored_statistics, single_statistics)
)
results["statistics_update"] = moved
print("RESULTS", json.dumps(results))
"""


def test_mirrored_strategy_on_two_devices(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULTS ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    results = json.loads(lines[-1][len("RESULTS ") :])

    # A batch that does not split over the replicas stops the run before it starts.
    assert results["odd_batch_exit"] == 2
    assert not (tmp_path / "odd").exists()
    # A conditional GAN step (spectral norm, synchronised batch norm) runs on two replicas.
    assert results["gan_exit"] == 0
    assert (tmp_path / "gan" / "checkpoints" / "ckpt-1.index").exists()
    # Each replica's loss is its share of the global mean, so the summed gradients are right.
    assert results["summed_loss"] == 1.0
    # Two replicas of half a batch each see what one device sees on the whole batch: the same
    # loss, and (batch norm synchronised) the same batch statistics. Unsynchronised statistics
    # would differ by ~1e-3; trainable weights are not compared, because Adam turns the
    # rounding noise of near-zero gradients (biases before batch norm) into lr-sized steps.
    assert results["replicas"] == [2, 1]
    assert results["same_start"]
    mirrored_loss, single_loss = results["losses"]
    assert abs(mirrored_loss - single_loss) < 1e-6 * abs(single_loss)
    assert results["statistics_update"] > 1e-3
    assert results["statistics_difference"] < 1e-6


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


MULTI_WORKER_STEPS = 8
MULTI_WORKER_OPTIONS = (
    "--model sagan_refined --ch 8 --batch-size 8 --quiet --checkpoint-every 2 "
    f"--steps {MULTI_WORKER_STEPS} --strategy multiworker"
).split()
# Pictures every step slow the chief enough for a worker to be killed mid-run; how often a run
# draws them does not change its training state.
SLOW = ("--image-every", "1", "--summary-every", "1")


def start_workers(logdir, *options, log_name="workers"):
    """Starts the two workers of a run on 127.0.0.1; returns their processes (stderr to a log)."""
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    command = [sys.executable, "-m", "training.run", *options, "--logdir", str(logdir)]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        environment = {**os.environ, "TF_CONFIG": json.dumps(tf_config)}
        log = open(f"{logdir}-{log_name}-{index}.log", "w")
        processes.append(subprocess.Popen(command, env=environment, stdout=log, stderr=log))
    return processes


def finish(processes, logdir, log_name="workers", timeout=300):
    """Waits for the workers; returns `[(exit code, log text)]`."""
    results = []
    for index, process in enumerate(processes):
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            raise
        with open(f"{logdir}-{log_name}-{index}.log") as log:
            results.append((code, log.read()))
    return results


@pytest.fixture(scope="module")
def multi_worker_run(tmp_path_factory):
    """An uninterrupted run of two workers on 127.0.0.1, checkpoints every 2 steps."""
    logdir = tmp_path_factory.mktemp("multiworker") / "run"
    for code, log in finish(start_workers(logdir, *MULTI_WORKER_OPTIONS), logdir):
        assert code == 0, log[-3000:]
    return logdir


def test_multi_worker_run_on_two_local_processes(multi_worker_run):
    logdir = multi_worker_run
    final = f"ckpt-{MULTI_WORKER_STEPS}"
    # The chief writes the run; worker 1 keeps its own checkpoint (its data iterators) beside.
    assert (logdir / "samples.png").exists()
    # Only the chief writes logs: one event file (each writing process would add its own).
    assert len(list(logdir.glob("events.out.tfevents.*"))) == 1
    assert not list((logdir / "checkpoints" / "worker-1").glob("events.out.tfevents.*"))
    chief = tf.train.load_checkpoint(str(logdir / "checkpoints" / final))
    worker = tf.train.load_checkpoint(str(logdir / "checkpoints" / "worker-1" / final))
    variables = [k for k in chief.get_variable_to_dtype_map() if k.startswith("generator/")]
    assert variables
    for key in variables:
        np.testing.assert_array_equal(chief.get_tensor(key), worker.get_tensor(key))


def newest_step(directory):
    steps = [int(path.name[5:-6]) for path in directory.glob("ckpt-*.index")]
    return max(steps, default=0)


@pytest.mark.parametrize(
    "victim",
    [
        1,
        # ~60 s more; the chief is also the coordination service's leader.
        pytest.param(0, marks=pytest.mark.slow),
    ],
)
def test_killed_worker_stops_its_peer_and_both_resume_to_the_uninterrupted_weights(
    multi_worker_run, tmp_path, victim
):
    logdir = tmp_path / "run"
    chief_folder = logdir / "checkpoints"
    worker_folder = chief_folder / "worker-1"
    processes = start_workers(logdir, *MULTI_WORKER_OPTIONS, *SLOW, log_name="killed")
    deadline = time.monotonic() + 240
    while newest_step(chief_folder) < 4:
        assert time.monotonic() < deadline, "no checkpoint of step 4 within 240 s"
        assert all(process.poll() is None for process in processes), "a worker ended early"
        time.sleep(0.02)
    survivor = 1 - victim
    processes[victim].kill()
    killed_at = time.monotonic()
    results = finish(processes, logdir, log_name="killed", timeout=120)
    stopped_after = time.monotonic() - killed_at
    print(f"worker {survivor} stopped {stopped_after:.1f} s after worker {victim} was killed")
    (code, message), (killed_code, _) = results[survivor], results[victim]
    assert killed_code == -signal.SIGKILL
    # The chief does not wait forever in a collective: it stops with a message saying who is
    # gone and how to relaunch (about 9 s here, the coordination service's heartbeat timeout).
    assert code == PEER_LOST_EXIT, message[-3000:]
    assert stopped_after < 60
    assert f"worker {survivor} of the multi-worker run stopped at step" in message
    assert f"worker {victim} is gone" in message
    assert f"python -m training.run --resume --logdir {logdir}" in message
    chief_step = newest_step(chief_folder)
    assert 4 <= chief_step < MULTI_WORKER_STEPS, "the run was not stopped mid-run"
    # As if worker 1 had been killed between the chief's save and its own (which happens): the
    # copies are one save apart, and both workers must resume from the older step. (A killed
    # chief leaves worker 1 at most one step behind, before or after its save of the same step.)
    if newest_step(worker_folder) == chief_step:
        for path in worker_folder.glob(f"ckpt-{chief_step}.*"):
            path.unlink()
    assert newest_step(worker_folder) == chief_step - 2

    results = finish(
        start_workers(logdir, *MULTI_WORKER_OPTIONS, "--resume", log_name="resumed"),
        logdir,
        log_name="resumed",
    )
    for code, log in results:
        assert code == 0, log[-3000:]
    assert f"every worker resumes from step {chief_step - 2}" in results[0][1]
    final = f"ckpt-{MULTI_WORKER_STEPS}"
    assert_same_checkpoints(
        multi_worker_run / "checkpoints" / final, logdir / "checkpoints" / final
    )
    assert_same_checkpoints(
        logdir / "checkpoints" / final, logdir / "checkpoints" / "worker-1" / final
    )


@pytest.mark.slow  # ~35 s: a second multi-worker run
def test_frozen_worker_stops_its_peer(tmp_path):
    # A frozen peer (SIGSTOP: a hung machine, a stalled network) keeps its connections open;
    # the coordination service's heartbeat still ends the survivor's wait, in about 10 s.
    logdir = tmp_path / "run"
    processes = start_workers(logdir, *MULTI_WORKER_OPTIONS, *SLOW, log_name="frozen")
    try:
        deadline = time.monotonic() + 240
        while newest_step(logdir / "checkpoints") < 2:
            assert time.monotonic() < deadline, "no checkpoint of step 2 within 240 s"
            assert all(process.poll() is None for process in processes), "a worker ended early"
            time.sleep(0.02)
        processes[1].send_signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        code = processes[0].wait(timeout=120)
        stopped_after = time.monotonic() - frozen_at
        print(f"worker 0 stopped {stopped_after:.1f} s after worker 1 froze")
    finally:
        for process in processes:
            process.kill()
            process.wait()
    message = (tmp_path / "run-frozen-0.log").read_text()
    assert code == PEER_LOST_EXIT, message[-3000:]
    assert stopped_after < 60
    assert "worker 1 is gone" in message
