"""Tiny training runs shared by the tests of training/ (each costs a graph trace, ~10 s)."""

import numpy as np
import pytest
import tensorflow as tf

from training.run import main

# Smallest SAGAN the zoo builds at 32 px: trains a step in well under a second on 2 cores.
TINY = ("--ch", "8", "--batch-size", "4", "--quiet")
GAN_STEPS = 8
# The options of the shared GAN run; a resumed run must repeat them to reach the same weights.
GAN_OPTIONS = ("--model", "sagan_refined", *TINY, "--steps", str(GAN_STEPS), "--checkpoint-every", "2")


def train(logdir, *options):
    """Runs `python -m training.run` in this process; returns its exit code."""
    return main(["--logdir", str(logdir), *options])


def checkpoint_tensors(path):
    """`{key: array}` of every variable in a checkpoint (not the save counter or data state)."""
    reader = tf.train.load_checkpoint(str(path))
    tensors = {}
    for key, dtype in reader.get_variable_to_dtype_map().items():
        if key.startswith(("save_counter", "_CHECKPOINTABLE_OBJECT_GRAPH")) or dtype == tf.variant:
            continue
        tensors[key] = reader.get_tensor(key)
    return tensors


def assert_same_checkpoints(expected_path, actual_path):
    expected, actual = checkpoint_tensors(expected_path), checkpoint_tensors(actual_path)
    assert sorted(expected) == sorted(actual)
    differing = [key for key in expected if not np.array_equal(expected[key], actual[key])]
    assert not differing, f"{len(differing)} of {len(expected)} tensors differ: {differing[:5]}"
    # The comparison covers the networks, their moving average and both optimizers.
    assert any(key.startswith("ema_generator/") for key in expected)
    assert any(key.startswith("d_optimizer/") for key in expected)


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def gan_run(runs_dir):
    """An uninterrupted 8-step sagan_refined run, images every 4 steps, checkpoints every 2."""
    logdir = runs_dir / "gan"
    assert train(logdir, *GAN_OPTIONS, "--summary-every", "2", "--image-every", "4") == 0
    return logdir


@pytest.fixture(scope="session")
def autoencoder_run(runs_dir):
    """A 4-step autoencoder_softmax run on noisy inputs, evaluated every 2 steps."""
    logdir = runs_dir / "autoencoder"
    code = train(
        logdir,
        "--model",
        "autoencoder_softmax",
        *TINY,
        "--steps",
        "4",
        "--corruption",
        "noise",
        "--eval-every",
        "2",
        "--eval-batches",
        "1",
        "--summary-every",
        "2",
        "--image-every",
        "2",
    )
    assert code == 0
    return logdir
