"""`--precision` and `--jit-compile` in the trainers: dtype policies, loss scaling, XLA."""

import os
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.training.trainers.test_trainers import RecordingWriter
from tests.training.trainers.test_trainers import prepare
from keras_refined_sa.layers import RefinedSelfAttention
from training.trainers.precision import PRECISIONS
from training.trainers.precision import make_optimizer

FLOAT16_MAX = float(np.finfo(np.float16).max)
COMPUTE_DTYPES = {"float32": "float32", "mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def compute_dtypes(model):
    return {layer.compute_dtype for layer in model.layers}


@pytest.mark.parametrize("model", ["sagan_refined", "autoencoder_refined"])
@pytest.mark.parametrize("precision", PRECISIONS)
def test_every_precision_trains_both_families_with_float32_weights(tmp_path, model, precision):
    trainer = prepare(tmp_path, model=model, precision=precision)
    # The policy was the run's while its models were built, and no longer is.
    assert keras.config.dtype_policy().name == "float32"
    networks = trainer.networks()
    for network in networks.values():
        assert COMPUTE_DTYPES[precision] in compute_dtypes(network)
    if model.startswith("sagan"):
        # The moving average computes like the generator and holds float32 weights.
        average = trainer.averages["ema_generator"]
        assert compute_dtypes(average) == compute_dtypes(networks["generator"])
        networks = {**networks, "ema_generator": average}
    for name, network in networks.items():
        assert {weight.dtype for weight in network.weights if "float" in weight.dtype} == {
            "float32"
        }, name
    # Both optimizers of a GAN scale the loss under float16, none otherwise.
    scaling = {
        name: isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        for name, optimizer in trainer.optimizers().items()
    }
    assert set(scaling.values()) == {precision == "mixed_float16"}, scaling

    trainer.reset_state()
    for _ in range(2):
        logs = trainer.train_step()
        assert all(np.isfinite(value) for value in logs.values()), logs
    for network in networks.values():
        assert all(np.isfinite(np.asarray(weight)).all() for weight in network.weights)
    # The pictures run the 16-bit networks outside the training step.
    writer = RecordingWriter()
    trainer.write_images(writer, step=2)
    assert any(tag.startswith("attention/") for tag in writer.images)


def attention_sums(model, images):
    """`{layer: (largest |kᵀv / m|, m)}` of the refined attention layers of `model`, in a
    training pass (batch statistics) on `images`."""
    layers = [layer for layer in model.layers if isinstance(layer, RefinedSelfAttention)]
    features = keras.Model(model.input, [layer.input for layer in layers])(images, training=True)
    results = {}
    for layer, feature in zip(layers, features):
        _, attention = layer(feature, return_attention=True, training=True)
        height, width = feature.shape[1:3]
        positions = height * width // (4 if layer.pool_key_value else 1)
        results[layer] = (float(np.abs(attention).max()), positions)
    return results


def test_a_float16_attention_sum_beyond_float16_range_stays_finite(tmp_path):
    trainer = prepare(tmp_path, model="autoencoder_refined", precision="mixed_float16")
    model, images = trainer.networks()["autoencoder"], trainer.preview[0][:4]

    def set_key_and_value_kernels(layer, value):
        for weight in layer.weights:
            if weight.path.endswith(("key_conv/kernel", "value_conv/kernel")):
                weight.assign(np.full(weight.shape, value, "float32"))

    # Constant key and value kernels make every product k·v of one sign; scaled so that the
    # mean kᵀv / m is 512 (the attention's output fits float16) while the sum over the m key
    # positions passes float16's largest value, 65,504.
    for layer in attention_sums(model, images):
        set_key_and_value_kernels(layer, 1.0)
    for layer, (mean, _) in attention_sums(model, images).items():
        set_key_and_value_kernels(layer, float(np.sqrt(512.0 / mean)))
    sums = attention_sums(model, images)
    assert len(sums) == 2
    for layer, (mean, positions) in sums.items():
        assert mean * positions > FLOAT16_MAX > mean, layer.name

    logs = trainer.train_step()
    assert np.isfinite(logs["losses/reconstruction"])


JIT_RUNS = {
    "sagan_refined": {"n_disc": 2},
    "autoencoder_refined": {"corruption": "noise"},
}


@pytest.mark.parametrize(
    "model",
    # The GAN's XLA compilation takes most of a minute here: the autoencoder covers the path
    # (noise drawn outside XLA, the replica step compiled) in the default run.
    [pytest.param("sagan_refined", marks=pytest.mark.slow), "autoencoder_refined"],
)
def test_jit_compile_gives_the_losses_of_the_plain_step(tmp_path, model):
    losses = {}
    for jit_compile in (False, True):
        trainer = prepare(
            tmp_path / str(jit_compile), model=model, jit_compile=jit_compile, **JIT_RUNS[model]
        )
        trainer.reset_state()
        losses[jit_compile] = [trainer.train_step() for _ in range(3)]
    # The same batches and noise (drawn outside XLA) through the same weights: the first step's
    # losses differ by XLA's reordered float32 sums alone (measured: below 5e-7). Later steps
    # drift: Adam with beta_1 = 0 turns rounding noise in near-zero gradients into
    # learning-rate-sized steps (the GAN's losses differed by 3e-4 at step 3, 5e-3 at step 5;
    # the autoencoder's by 2e-7). Noise drawn inside XLA differed by 2e-2 at the first step.
    for step, (plain, compiled) in enumerate(zip(losses[False], losses[True])):
        assert plain.keys() == compiled.keys()
        tolerance = 1e-5 if step == 0 else 1e-3
        for tag in plain:
            assert compiled[tag] == pytest.approx(plain[tag], abs=tolerance), (step, tag)


def test_a_checkpoint_restores_the_loss_scale():
    variables = [tf.Variable([1.0, 2.0])]
    optimizer = make_optimizer("mixed_float16", 1e-3, 0.0, 0.9, "g_optimizer")
    optimizer.build(variables)
    # An overflowing gradient skips the update and halves the scale.
    optimizer.apply_gradients(zip([tf.constant([np.inf, 1.0])], variables))
    optimizer.apply_gradients(zip([tf.constant([0.1, 0.1])], variables))
    scale = float(optimizer.dynamic_scale.numpy())
    assert scale == 2.0**15 / 2
    path = tf.train.Checkpoint(optimizer=optimizer).save(os.path.join(tempfile.mkdtemp(), "c"))
    restored = make_optimizer("mixed_float16", 1e-3, 0.0, 0.9, "g_optimizer")
    restored.build([tf.Variable([0.0, 0.0])])
    tf.train.Checkpoint(optimizer=restored).restore(path).assert_existing_objects_matched()
    assert float(restored.dynamic_scale.numpy()) == scale
    assert int(restored.iterations.numpy()) == int(optimizer.iterations.numpy())
