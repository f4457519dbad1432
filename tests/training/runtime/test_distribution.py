"""Distribution in fresh processes: MirroredStrategy on 2 logical CPUs, MultiWorker on 2 processes."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import tensorflow as tf

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
    run = prepared_run.prepare(config, error=sys.exit)
    run.attach_data()
    model = run.trainer.autoencoder
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


def test_multi_worker_run_on_two_local_processes(tmp_path):
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    logdir = tmp_path / "run"
    options = "--model sagan_refined --ch 8 --batch-size 4 --steps 2 --strategy multiworker"
    command = [sys.executable, "-m", "training.run", *options.split(), "--logdir", str(logdir)]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        environment = {**os.environ, "TF_CONFIG": json.dumps(tf_config)}
        processes.append(
            subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)
        )
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr[-3000:]
    # The chief writes the run; worker 1 keeps its own checkpoint (its data iterators) beside.
    chief = tf.train.load_checkpoint(str(logdir / "checkpoints" / "ckpt-2"))
    worker = tf.train.load_checkpoint(str(logdir / "checkpoints" / "worker-1" / "ckpt-2"))
    assert (logdir / "samples.png").exists()
    variables = [k for k in chief.get_variable_to_dtype_map() if k.startswith("generator/")]
    assert variables
    for key in variables:
        np.testing.assert_array_equal(chief.get_tensor(key), worker.get_tensor(key))
