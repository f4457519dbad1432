"""Kept weights: a SAGAN run's networks in float16, written back as a run evaluate can read."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

import zoo
from training import config as config_lib
from training.experiments.weights import keep_weights
from training.experiments.weights import restore_run
from training.runtime import load_saved_run

ARGUMENTS = {"ch": 8, "channels": 1, "num_classes": 0, "resolution": 32}


def finished_run(cell):
    """A cell whose `run/` holds a SAGAN checkpoint at step 4 and whose summary describes it."""
    logdir = cell / "run"
    model, twin = zoo.create("sagan_softmax", **ARGUMENTS), zoo.create("sagan_softmax", **ARGUMENTS)
    for weight in twin.generator.weights:
        weight.assign(weight + 0.5)
    checkpoint = tf.train.Checkpoint(generator=model.generator, discriminator=model.discriminator,
                                     ema_generator=twin.generator)
    checkpoint.save_counter  # as in a run's checkpoint
    checkpoint.write(str(logdir / "checkpoints" / "ckpt-4"))
    spec = {"name": "sagan_softmax", "arguments": ARGUMENTS}
    config = config_lib.TrainConfig(model="sagan_softmax", steps=4, ch=8, channels=1,
                                    resolution=32).to_dict()
    (logdir / "model.json").write_text(json.dumps(spec))
    summary = {"runs": {"run": {"config": config, "model": spec, "data": {"source": "x"}}}}
    (cell / "summary.json").write_text(json.dumps(summary))
    return twin.generator


def test_kept_weights_come_back_as_a_run_that_evaluate_restores(tmp_path):
    ema = finished_run(tmp_path / "cell")
    written = keep_weights(str(tmp_path / "cell"))
    assert sorted(os.path.basename(path) for path in written) == [
        "discriminator.npz", "ema_generator.npz", "generator.npz"]
    clone = tmp_path / "clone"
    (clone / "weights").mkdir(parents=True)
    for path in written:
        os.link(path, clone / "weights" / os.path.basename(path))
    os.link(tmp_path / "cell" / "summary.json", clone / "summary.json")
    logdir = restore_run(str(clone))
    assert json.load(open(os.path.join(logdir, "config.json")))["steps"] == 4
    # The kept generator is the moving average, not the raw one, and float16 close.
    saved = load_saved_run(logdir, ema=True, attention="refined")
    assert saved.checkpoint.endswith("ckpt-4")
    for restored, original in zip(saved.network.weights, ema.weights):
        np.testing.assert_allclose(restored.numpy(), original.numpy(), rtol=1e-3, atol=1e-3)
    # The ablation: the attention block's γ is 0, every other weight (batch norm's γ too) kept.
    ablated = load_saved_run(restore_run(str(clone), str(tmp_path / "ablated"), zero_gamma=True))
    changed = [weight.path for weight, kept in zip(ablated.network.weights, saved.network.weights)
               if not np.array_equal(weight.numpy(), kept.numpy())]
    assert changed == ["g_attention/gamma"]
    assert float(ablated.network.get_layer("g_attention").gamma.numpy()) == 0.0


def test_a_kept_file_of_another_network_is_refused(tmp_path):
    finished_run(tmp_path / "cell")
    keep_weights(str(tmp_path / "cell"))
    folder = tmp_path / "cell" / "weights"
    os.replace(folder / "discriminator.npz", folder / "generator.npz")
    with pytest.raises(ValueError, match="generator.npz does not hold the weights"):
        restore_run(str(tmp_path / "cell"))
