"""The JAX steps the engine benchmark times: the JAX engine's own step and a bare jitted step.

- `engine_step`: the step of `KERAS_BACKEND=jax python -m training.run`, built by the engine's
  public pieces (`training.engines.jax.run.prepare`, then its `JaxTrainer`), fed a constant
  synthetic batch instead of the dataset's: data, logs, RNG draws and the moving average
  included, as the engine runs them.
- `bare_step`: the same SAGAN (the run's own model, same options and dtype policy) trained by
  the least a jitted stateless step does: the discriminator's hinge updates on one fixed real
  batch and fixed latents, then the generator's, with Keras's Adam; no moving average, no RNG,
  no logs. The engine's overhead is its step's time over this one's.

Both need `KERAS_BACKEND=jax`. Example (in a JAX process):

    step = engine_step("sagan_refined", "/tmp/run", precision="mixed_bfloat16")
    step()  # one training step, finished on the device
"""

import itertools

import jax
import jax.numpy as jnp
import keras
import numpy as np

from training.config import TrainConfig
from training.engines.jax.run import prepare
from training.engines.jax.trainer import JaxTrainer
from training.trainers.precision import dtype_policy

NOMINAL_DATASET = "fashion_mnist_embedded"


def quickstart_config(model, logdir, precision="float32", **options):
    """The `TrainConfig` of `training.run --model MODEL` with `options` (resolution, ch,
    batch_size, ...), on the bundled nominal dataset (its images are never read)."""
    return TrainConfig(model=model, dataset=NOMINAL_DATASET, logdir=logdir, quiet=True,
                       strategy="default", precision=precision, **options)  # fmt: skip


def synthetic_batch(config, seed=0):
    """`(images float32 (b, R, R, C) in [-1, 1], labels int32 (b,))` for `config`."""
    generator = np.random.default_rng(seed)
    shape = (config.batch_size, config.resolution, config.resolution, config.channels)
    images = generator.uniform(-1.0, 1.0, shape).astype(np.float32)
    return images, np.zeros((config.batch_size,), np.int32)


def engine_step(model, logdir, precision="float32", **options):
    """The JAX engine's training step of `model` as a callable that blocks until it is done.

    Returns:
        `(step, run, trainer)`: the callable, the engine's `JaxRun` and its `JaxTrainer`.
    """
    run = prepare(quickstart_config(model, logdir, precision, **options))
    trainer = JaxTrainer(run.family, run.config, run.model, run.devices)
    trainer.reset_state()
    trainer.iterator = itertools.repeat(synthetic_batch(run.config, run.config.seed))
    return (lambda: trainer.train_step()), run, trainer


def bare_step(run):
    """A bare jitted stateless G+D step of the SAGAN of `run` (a `JaxRun`).

    Returns:
        `(step, memory_bytes)`: the callable (blocks until done) and XLA's temp + argument +
        output size of the compiled step (None where XLA does not say).
    """
    config, gan = run.config, run.model
    if run.family.name != "sagan":
        raise ValueError(f"the bare step trains a SAGAN; {config.model!r} is not one.")
    generator, discriminator = gan.generator, gan.discriminator
    with dtype_policy(config.precision):
        optimizers = [
            keras.optimizers.Adam(rate, beta_1=config.beta_1, beta_2=config.beta_2)
            for rate in (config.g_learning_rate, config.d_learning_rate)
        ]
    optimizers[0].build(generator.trainable_variables)
    optimizers[1].build(discriminator.trainable_variables)
    state = tuple(
        [variable.value for variable in variables]
        for variables in (generator.trainable_variables, generator.non_trainable_variables,
                          discriminator.trainable_variables,
                          discriminator.non_trainable_variables,
                          optimizers[0].variables, optimizers[1].variables)
    )  # fmt: skip
    images, _ = synthetic_batch(config, config.seed)
    z = np.random.default_rng(config.seed).normal(size=(config.batch_size, gan.latent_dim))
    images, z = jnp.asarray(images), jnp.asarray(z, jnp.float32)

    def d_loss(d_weights, d_state, g_weights, g_state):
        fakes, g_state = generator.stateless_call(g_weights, g_state, z, training=True)
        both = jnp.concatenate([images, fakes.astype(images.dtype)], axis=0)
        logits, d_state = discriminator.stateless_call(d_weights, d_state, both, training=True)
        real, fake = jnp.split(logits.astype(jnp.float32), 2)
        return jnp.mean(jax.nn.relu(1 - real)) + jnp.mean(jax.nn.relu(1 + fake)), (d_state, g_state)

    def g_loss(g_weights, g_state, d_weights, d_state):
        fakes, g_state = generator.stateless_call(g_weights, g_state, z, training=True)
        logits, d_state = discriminator.stateless_call(d_weights, d_state, fakes, training=True)
        return -jnp.mean(logits.astype(jnp.float32)), (g_state, d_state)

    def step(state):
        g_weights, g_state, d_weights, d_state, g_slots, d_slots = state
        for _ in range(config.n_disc):
            (_, (d_state, g_state)), grads = jax.value_and_grad(d_loss, has_aux=True)(
                d_weights, d_state, g_weights, g_state
            )
            d_weights, d_slots = optimizers[1].stateless_apply(d_slots, grads, d_weights)
        (_, (g_state, d_state)), grads = jax.value_and_grad(g_loss, has_aux=True)(
            g_weights, g_state, d_weights, d_state
        )
        g_weights, g_slots = optimizers[0].stateless_apply(g_slots, grads, g_weights)
        return g_weights, g_state, d_weights, d_state, g_slots, d_slots

    compiled = jax.jit(step).lower(state).compile()
    holder = [state]

    def run_step():
        holder[0] = compiled(holder[0])
        jax.block_until_ready(holder[0])

    return run_step, compiled_bytes(compiled)


def compiled_bytes(compiled):
    """XLA's temp + argument + output bytes of a compiled function (None where unknown)."""
    analysis = compiled.memory_analysis()
    if analysis is None:
        return None
    return int(analysis.temp_size_in_bytes + analysis.argument_size_in_bytes
               + analysis.output_size_in_bytes)  # fmt: skip


def engine_bytes(trainer):
    """`compiled_bytes` of the engine's jitted step on its current state and a batch."""
    batches = tuple(
        trainer.devices.put(next(trainer.iterator))
        for _ in range(trainer.program.batches_per_step)
    )
    return compiled_bytes(trainer.program.step.lower(trainer.state, batches).compile())
