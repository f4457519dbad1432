"""One SAGAN step on each engine from the same weights, batch and noise: the same losses, and the
same batch-norm statistics, spectral-norm vectors u and moving average of those (float32)."""

import dataclasses

import numpy as np

from tests.training.no_tensorflow import run_without_tensorflow

# The JAX step, its noise replaced by the test's: the same arrays for every update.
JAX_STEP = """
import numpy as np
from training.config import TrainConfig
from training.engines.jax import noise as noise_lib
from training.engines.jax.run import prepare
from training.engines.jax.trainer import JaxTrainer

given = np.load({inputs!r})
noise_lib.draw = lambda key, specs, batch_size: {{"z": given["z"], "labels": given["labels"]}}
run = prepare(TrainConfig(model="sagan_refined", ch=8, batch_size=4, logdir={logdir!r}))
trainer = JaxTrainer(run.family, run.config, run.model, run.devices)
trainer.reset_state()
trainer.iterator = iter([(given["images"], given["labels"])])
start = {{f"{{net}}_{{i}}": np.asarray(w) for net, model in
          (("g", run.model.generator), ("d", run.model.discriminator))
          for i, w in enumerate(model.weights)}}
logs = trainer.train_step()
trainer.sync_models()
end = {{f"{{net}}_{{i}}": np.asarray(w) for net, model in
        (("g", run.model.generator), ("d", run.model.discriminator),
         ("ema", trainer.twins["ema_generator"]))
        for i, w in enumerate(model.weights)}}
arrays = {{"start_" + k: v for k, v in start.items()}}
arrays.update({{"end_" + k: v for k, v in end.items()}})
np.savez({outputs!r}, d_loss=logs["losses/d_loss"], g_loss=logs["losses/g_loss"], **arrays)
"""


def test_one_gan_step_agrees_with_tensorflow(tmp_path):
    import tensorflow as tf

    import zoo
    from training.config import TrainConfig
    from training.families import family_of
    from training.trainers.base import Trainer

    rng = np.random.default_rng(0)
    inputs = tmp_path / "inputs.npz"
    np.savez(
        inputs,
        images=rng.uniform(-1, 1, (4, 32, 32, 1)).astype(np.float32),
        labels=np.zeros(4, np.int32),
        z=rng.standard_normal((4, 128)).astype(np.float32),
    )
    outputs = tmp_path / "jax.npz"
    code = JAX_STEP.format(inputs=str(inputs), outputs=str(outputs),
                                    logdir=str(tmp_path / "jax_run"))
    run_without_tensorflow(code)
    given, jax_step = np.load(inputs), np.load(outputs)

    gan = zoo.create("sagan_refined", resolution=32, channels=1, ch=8, num_classes=0)
    assert gan.latent_dim == given["z"].shape[1]
    for net, model in (("g", gan.generator), ("d", gan.discriminator)):
        for index, weight in enumerate(model.weights):
            weight.assign(jax_step[f"start_{net}_{index}"])
    config = dataclasses.replace(
        TrainConfig(model="sagan_refined", ch=8, batch_size=4, logdir=str(tmp_path / "tf")),
        channels=1, **{key: value for key, value in gan.defaults.items()
                       if key in ("g_learning_rate", "d_learning_rate", "beta_1", "beta_2",
                                  "n_disc")},
    )
    trainer = Trainer(family_of("sagan_refined"), config, tf.distribute.get_strategy(), gan)
    trainer.reset_state()
    noise = {"z": tf.constant(given["z"]), "labels": tf.constant(given["labels"])}
    # The discriminator's update on the batch, then the generator's, both with the given noise.
    trainer.replica_inputs = lambda batches: [(batches[0], noise), (None, noise)]
    batch = (tf.constant(given["images"]), tf.constant(given["labels"]))
    trainer.iterators = {"replica_0": iter([batch])}
    logs = trainer.train_step()

    assert abs(logs["losses/d_loss"] - float(jax_step["d_loss"])) < 1e-5
    assert abs(logs["losses/g_loss"] - float(jax_step["g_loss"])) < 1e-5
    # Non-trainable state: batch-norm statistics (G), spectral-norm u (G and D) and their moving
    # average. Trainable weights are not compared: Adam's first step turns the rounding noise
    # of near-zero gradients into learning-rate-sized moves.
    compared = 0
    for net, model in (("g", gan.generator), ("d", gan.discriminator),
                       ("ema", trainer.trained_networks()["ema_generator"])):
        for index, weight in enumerate(model.weights):
            if weight.trainable:
                continue
            np.testing.assert_allclose(
                np.asarray(weight), jax_step[f"end_{net}_{index}"], rtol=1e-5, atol=1e-6,
                err_msg=f"{net}: {weight.path}",
            )
            compared += 1
    moved = max(
        float(np.abs(jax_step[f"end_g_{i}"] - jax_step[f"start_g_{i}"]).max())
        for i, weight in enumerate(gan.generator.weights) if not weight.trainable
    )
    assert compared > 10 and moved > 1e-3
