"""The JAX engine's jitted stateless step, run generically from a family's `Update`s.

`TrainStep(family, config, model)` builds, once, what the step needs from the Keras objects
(the networks' variable layouts, one Adam per network as `training.trainers.precision`
makes it, the moving averages), then `step(state, batches)` is a pure function of arrays:

- `apply(name, inputs, training)` is the network's `stateless_call` with the current arrays; the
  non-trainable state it returns (batch-norm statistics, spectral-norm vectors) replaces the
  network's, for every network called, as a TensorFlow call would assign it.
- For each update, in order: the loss is the mean of the per-example loss over the GLOBAL batch
  plus the updated network's own losses (`model.losses`), scaled by the loss scale under
  `mixed_float16`; `jax.value_and_grad` differentiates it with respect to the updated network's
  trainable arrays only, and the network's optimizer applies the gradients
  (`stateless_apply`; a `LossScaleOptimizer` unscales them, or skips the update and halves the
  scale when one overflowed).
- The moving averages move towards their networks (`state.move_average`), and the step
  counter, which is the whole RNG state (`noise`), moves on.

Under a `keras.distribution.DataParallel` the batches arrive sharded over the devices and the
weights replicated: the same program computes the same global means (and global batch-norm
statistics) on any number of devices.
"""

import functools

import jax
import jax.numpy as jnp

from training.engines.jax import noise as noise_lib
from training.engines.jax.state import NetworkLayout
from training.engines.jax.state import move_average
from training.families import EVALUATION_SEED_OFFSET
from training.trainers import precision


class TrainStep:
    """The jitted training step and held-out evaluation of one run.

    Args:
        family: the run's `training.families.Family`.
        config: the run's `TrainConfig`, model defaults filled in.
        model: what `zoo.create` built (under the run's dtype policy and distribution).

    Attributes:
        networks: `{name: keras.Model}` of the trained networks.
        layouts: `{name: NetworkLayout}`.
        optimizers: `{name: Adam or LossScaleOptimizer}`, built on the network's variables.
        averages: `{average name: (network name, decay, start_step)}`.
        updates: the family's `Update`s of one step.
        step: the jitted `step(state, batches) -> (state, logs)`; `batches` is a tuple of
            `(images, labels)`, one per update that takes a batch.
        evaluate: the jitted `evaluate(state, images, index) -> {tag: (batch,) array}`.
    """

    def __init__(self, family, config, model):
        self.family = family
        self.config = config
        self.model = model
        self.networks = family.networks(model)
        self.layouts = {name: NetworkLayout(network) for name, network in self.networks.items()}
        names = family.optimizer_names()
        self.optimizers = {}
        for name, rate in family.learning_rates(config).items():
            optimizer = precision.make_optimizer(
                config.precision, rate, config.beta_1, config.beta_2, names[name]
            )
            optimizer.build(self.networks[name].trainable_variables)
            self.optimizers[name] = optimizer
        self.averages = family.averages(config)
        self.updates = family.updates(config, model)
        self.batches_per_step = sum(update.takes_batch for update in self.updates)
        self._scale_index = {
            name: _loss_scale_index(optimizer) for name, optimizer in self.optimizers.items()
        }
        # Buffers of the old state are reused for the new one; the CPU cannot donate (a warning).
        donate = () if jax.default_backend() == "cpu" else (0,)
        self.step = jax.jit(self._step, donate_argnums=donate)
        self.evaluate = jax.jit(self._evaluate)

    def initial_state(self):
        """The state of a fresh run: the networks' arrays, new optimizers, averages that copy
        their networks, step 0."""
        trainable, non_trainable = {}, {}
        for name, layout in self.layouts.items():
            trainable[name], non_trainable[name] = layout.values()
        averages = {
            average: self.layouts[network].weights(trainable[network], non_trainable[network])
            for average, (network, _, _) in self.averages.items()
        }
        return {
            "trainable": trainable,
            "non_trainable": non_trainable,
            "optimizers": {
                name: [variable.value for variable in optimizer.variables]
                for name, optimizer in self.optimizers.items()
            },
            "averages": averages,
            "step": jnp.zeros((), jnp.int32),
        }

    # The step.

    def _step(self, state, batches):
        trainable = dict(state["trainable"])
        non_trainable = dict(state["non_trainable"])
        optimizers = dict(state["optimizers"])
        key = noise_lib.step_key(self.config.seed, state["step"])
        batches = iter(batches)
        logs = {}
        for index, update in enumerate(self.updates):
            batch = next(batches) if update.takes_batch else None
            size = batch[0].shape[0] if batch is not None else self.config.batch_size
            drawn = noise_lib.draw(jax.random.fold_in(key, index), update.noise, size)
            name = update.network
            objective = jax.value_and_grad(functools.partial(self._objective, update), has_aux=True)
            (_, (update_logs, non_trainable)), gradients = objective(
                trainable[name], trainable, non_trainable, optimizers[name], batch, drawn
            )
            trainable[name], optimizers[name] = self.optimizers[name].stateless_apply(
                optimizers[name], gradients, trainable[name]
            )
            logs.update(update_logs)
        averages = {}
        for average, (network, decay, start_step) in self.averages.items():
            weights = self.layouts[network].weights(trainable[network], non_trainable[network])
            averages[average] = move_average(
                state["averages"][average], weights, state["step"], decay, start_step
            )
        new_state = {
            "trainable": trainable,
            "non_trainable": non_trainable,
            "optimizers": optimizers,
            "averages": averages,
            "step": state["step"] + 1,
        }
        return new_state, {tag: jnp.asarray(value, jnp.float32) for tag, value in logs.items()}

    def _objective(self, update, own, trainable, non_trainable, optimizer_state, batch, drawn):
        """The scaled loss of `update` as a function of its network's trainable arrays `own`."""
        current = dict(non_trainable)
        own_losses = []

        def apply(name, inputs, training):
            weights = own if name == update.network else trainable[name]
            outputs, current[name], losses = self.networks[name].stateless_call(
                weights, current[name], inputs, training=training, return_losses=True
            )
            if name == update.network:
                # As `model.losses` after the call: the losses of its latest call.
                own_losses[:] = losses
            return outputs

        per_example, logs = update.loss(apply, batch, drawn)
        loss = jnp.mean(per_example.astype(jnp.float32))
        for extra in own_losses:
            loss = loss + jnp.asarray(extra, jnp.float32)
        index = self._scale_index[update.network]
        scaled = loss if index is None else loss * optimizer_state[index]
        return scaled, (logs, current)

    # Held-out evaluation.

    def _evaluate(self, state, images, index):
        config = self.config
        key = jax.random.fold_in(jax.random.key(config.seed + EVALUATION_SEED_OFFSET), index)
        drawn = noise_lib.draw(key, self.family.evaluation_noise(config), images.shape[0])

        def apply(name, inputs, training):
            outputs, _ = self.networks[name].stateless_call(
                state["trainable"][name], state["non_trainable"][name], inputs, training=training
            )
            return outputs

        return self.family.evaluate_batch(apply, images, drawn, config)


def _loss_scale_index(optimizer):
    """Where a `LossScaleOptimizer` keeps its dynamic scale in `optimizer.variables` (None for a
    plain optimizer: no scaling)."""
    scale = getattr(optimizer, "dynamic_scale", None)
    if scale is None:
        return None
    return next(index for index, variable in enumerate(optimizer.variables) if variable is scale)
