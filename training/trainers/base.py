"""The TensorFlow engine's training step: any family's updates under a `tf.distribute` strategy."""

import time

import numpy as np
import tensorflow as tf

from training.families import EVALUATION_SEED_OFFSET
from training.monitoring import attention_pictures
from training.monitoring.run_pictures import RunPictures
from training.trainers import precision
from training.trainers.ema import ExponentialMovingAverage
from training.trainers.replicas import draw_noise
from training.trainers.replicas import local_replica_ids
from training.trainers.replicas import replica_seed


class Trainer:
    """One distributed training step of a zoo model, and what TensorBoard shows of it.

    WHAT a step does comes from the model's family (`training.families`): its `updates`, each
    an optimizer update of one network on a loss written in `keras.ops`. This class runs them
    the TensorFlow way. The step runs under any `tf.distribute` strategy (the default one,
    MirroredStrategy, MultiWorkerMirroredStrategy): each replica's batches are taken from that
    replica's own `tf.data` iterator before the compiled step (the time that takes is
    `data_wait_s`: the wait for the input pipeline), then a `tf.function` runs `train_replica`
    in every replica with `strategy.run` and averages the logs with `strategy.reduce`. Losses
    are averaged over the *global* batch, because the optimizers sum the gradients of the
    replicas; each update differentiates with respect to its own network's trainable
    variables under a `GradientTape` and applies that network's Adam.

    Each replica has its own plain `tf.data` iterator (rather than one `DistributedIterator`,
    which `tf.train.Checkpoint` cannot save) so that the checkpoint holds the data position and a
    resumed run reads exactly the batches the uninterrupted run would have read. All noise is
    drawn with stateless RNGs from `(seed, step, stream, replica)`, one stream per noise input
    of each update in order, so the step counter is the whole RNG state.

    With `config.jit_compile` each replica's step (`train_replica`: the forward and backward
    passes, the optimizer updates, the moving averages) is compiled with XLA; reading the
    batches, drawing the noise (`replica_inputs`) and advancing the step counter stay outside
    it. The networks compute in the dtype policy they were built with (`--precision`); under
    `mixed_float16` the optimizers scale the loss (see `training.trainers.precision`).

    Args:
        family: the model's `training.families.Family`.
        config: the run's `TrainConfig` with the model defaults filled in.
        strategy: the `tf.distribute.Strategy` the model was built under.
        model: what `zoo.create` built, inside `strategy.scope()` and the run's dtype policy.
    """

    def __init__(self, family, config, strategy, model):
        self.family = family
        self.config = config
        self.strategy = strategy
        self.model = model
        self.updates = family.updates(config, model)
        # Batches each replica reads per step (a GAN's discriminator takes `n_disc`).
        self.batches_per_step = sum(update.takes_batch for update in self.updates)
        self.iterators = {}
        # A fixed held-out `(images, labels)` batch for the pictures; set by the run.
        self.preview = None
        # Held-out batches of the families that evaluate (`heldout_needs() == "evaluation"`).
        self.eval_dataset = None
        self.pictures = RunPictures(family, model, config)
        with strategy.scope():
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self._build()
        self._compute = self.train_replica
        if config.jit_compile:
            self._compute = tf.function(self.train_replica, jit_compile=True)
        self._train_step = tf.function(self._distributed_step)
        self._evaluate_batch = tf.function(self._evaluate_batch_fn)
        self._generate = tf.function(
            lambda inputs: self.trained_networks()[family.saved_network_key()](
                inputs, training=False
            )
        )

    def _build(self):
        """The optimizers and the moving averages' twins, inside the strategy scope."""
        config, family = self.config, self.family
        names = family.optimizer_names()
        self._networks = family.networks(self.model)
        self._optimizers = {}
        for network, rate in family.learning_rates(config).items():
            optimizer = precision.make_optimizer(
                config.precision, rate, config.beta_1, config.beta_2, names[network]
            )
            # Built here, inside the scope: slots created inside the replica function fail.
            optimizer.build(self._networks[network].trainable_variables)
            self._optimizers[network] = optimizer
        self.averages = {}
        self._emas = []
        for name, (network, decay, start) in family.averages(config).items():
            source = self._networks[network]
            # The twin holding the average: same class and config, hence the same variables.
            twin = type(source).from_config(source.get_config())
            self.averages[name] = twin
            self._emas.append(ExponentialMovingAverage(source, twin, decay, start))

    def networks(self):
        """`{name: keras.Model}` of the trained networks (for γ and attention pictures)."""
        return self._networks

    def optimizers(self):
        """`{network name: optimizer}`, whose learning rates TensorBoard shows."""
        return self._optimizers

    def trained_networks(self):
        """The networks and the moving averages' twins, by checkpoint key."""
        return self.family.checkpoint_networks(self.model, self.averages)

    def checkpoint_objects(self):
        """`{name: trackable}`: everything a resumed run needs besides the step and the data."""
        names = self.family.optimizer_names()
        optimizers = {names[network]: opt for network, opt in self._optimizers.items()}
        return {**self.trained_networks(), **optimizers}

    def reset_state(self):
        """Prepares the state of a fresh run (not called when resuming): averages = weights."""
        for ema in self._emas:
            ema.reset()

    # The step.

    def _apply(self, name, inputs, training):
        return self._networks[name](inputs, training=training)

    def replica_inputs(self, batches):
        """What one replica's step computes from: each update's batch and its noise.

        Runs outside XLA: for the same seed XLA's random kernels draw other numbers than
        TensorFlow's, and a run must draw the same noise with and without `--jit-compile`.
        """
        batches = list(batches)
        batch_size = tf.shape(batches[-1][0])[0]
        inputs, stream = [], 0
        for update in self.updates:
            batch = batches.pop(0) if update.takes_batch else None
            size = tf.shape(batch[0])[0] if batch is not None else batch_size
            noise = {}
            for name, spec in update.noise.items():
                noise[name] = draw_noise(spec, size, self.seed(stream))
                stream += 1
            inputs.append((batch, noise))
        return inputs

    def train_replica(self, inputs):
        """One step in one replica on `replica_inputs(batches)`; returns `{name: scalar}` logs
        (per-replica means; a later update's log of the same name replaces an earlier one)."""
        logs = {}
        for update, (batch, noise) in zip(self.updates, inputs):
            network = self._networks[update.network]
            with tf.GradientTape() as tape:
                per_example, update_logs = update.loss(self._apply, batch, noise)
                loss = self._average_loss(per_example, network)
            self._apply_gradients(self._optimizers[update.network], loss, tape, network)
            logs.update(update_logs)
        for ema in self._emas:
            ema.update(self.step)
        return logs

    @staticmethod
    def _average_loss(per_example, model):
        """The per-replica share of the global mean loss, plus the model's own losses."""
        loss = tf.nn.compute_average_loss(per_example)
        if model.losses:
            loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        return loss

    @staticmethod
    def _apply_gradients(optimizer, loss, tape, model):
        """Applies the gradients of `loss` (float32) to `model`, scaled as `optimizer` says.

        Seeding the backward pass with the loss scale (`output_gradients`) is the gradient of
        `scale · loss`: every float16 gradient is scaled without the tape having to record the
        product. A `LossScaleOptimizer` divides the scale out again, or skips the update and
        halves the scale when a gradient overflowed; other optimizers' scale is 1.
        """
        variables = model.trainable_variables
        seed = optimizer.scale_loss(tf.ones_like(loss))
        gradients = tape.gradient(loss, variables, output_gradients=seed)
        optimizer.apply_gradients(zip(gradients, variables))

    # The distributed step.

    def attach_data(self, make_dataset):
        """Creates this process's per-replica data iterators.

        Args:
            make_dataset: `make_dataset(input_context)` returning the `tf.data.Dataset` of one
                input pipeline, batched per replica (as `training.data.make_dataset` does).
        """
        replicas = self.strategy.num_replicas_in_sync
        for replica in local_replica_ids(self.strategy):
            context = tf.distribute.InputContext(
                num_input_pipelines=replicas,
                input_pipeline_id=replica,
                num_replicas_in_sync=replicas,
            )
            self.iterators[f"replica_{replica}"] = iter(make_dataset(context))

    def _replica_batches(self, context):
        iterator = self.iterators[f"replica_{context.replica_id_in_sync_group}"]
        return tuple(next(iterator) for _ in range(self.batches_per_step))

    def _distributed_step(self, batches):
        logs = self.strategy.run(self._replica_step, args=(batches,))
        self.step.assign_add(1)
        return {
            name: self.strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
            for name, value in logs.items()
        }

    def _replica_step(self, batches):
        return self._compute(self.replica_inputs(batches))

    def train_step(self):
        """Runs one training step; returns the logs as Python floats.

        The batches are taken from the iterators before the compiled step, and the seconds
        that took (waiting for the input pipeline) are kept in `data_wait_s`.
        """
        if not self.iterators:
            raise RuntimeError("Call `attach_data` before training.")
        start = time.perf_counter()
        batches = self.strategy.experimental_distribute_values_from_function(
            self._replica_batches
        )
        self.data_wait_s = time.perf_counter() - start
        return {name: float(value) for name, value in self._train_step(batches).items()}

    def seed(self, stream):
        """The stateless seed of noise stream `stream` at the current step in this replica."""
        return replica_seed(self.config.seed, self.step, stream)

    # Held-out evaluation.

    def _evaluate_batch_fn(self, images, index):
        base = tf.stack([tf.constant(self.config.seed + EVALUATION_SEED_OFFSET, tf.int64), index])
        noise = {}
        for stream, (name, spec) in enumerate(self.family.evaluation_noise(self.config).items()):
            seed = tf.random.experimental.stateless_fold_in(base, stream)
            noise[name] = draw_noise(spec, tf.shape(images)[0], seed)
        return self.family.evaluate_batch(self._apply, images, noise, self.config)

    def evaluate(self):
        """The family's held-out metrics `{tag: mean over the held-out images}` (none without
        held-out batches); each batch's noise is fixed by its index, so evaluations compare."""
        if self.eval_dataset is None:
            return {}
        scores = {}
        for index, (images, _) in enumerate(self.eval_dataset):
            batch = self._evaluate_batch(images, tf.constant(index, tf.int64))
            for tag, values in batch.items():
                scores.setdefault(tag, []).append(np.asarray(values))
        return {tag: float(np.concatenate(values).mean()) for tag, values in scores.items()}

    def image_quality(self):
        """FID and KID of the saved network's images, `config.fid_samples` images a side
        (families that generate images; `{}` for the others)."""
        if not self.family.generates_images:
            return {}
        metrics = self.family.generated_image_metrics(
            self._generate,
            self.model,
            self.config,
            num_images=self.config.fid_samples,
            seed=self.config.seed,
        )
        return {f"eval/{name}": metrics[name] for name in ("fid", "kid", "kid_std")}

    # TensorBoard.

    def scalar_summaries(self):
        """Learning rates and the γ of every attention layer, `{tag: value}`."""
        values = {
            f"learning_rate/{name}": float(np.asarray(optimizer.learning_rate))
            for name, optimizer in self._optimizers.items()
        }
        for network in self._networks.values():
            for layer in attention_pictures.attention_layers(network):
                values[f"gamma/{layer.name}"] = float(np.asarray(layer.gamma))
        return values

    def write_images(self, writer, step):
        """Writes the run's pictures at `step` (`training.monitoring.run_pictures`)."""
        self.pictures.write(writer, step, self.trained_networks(), self.preview)

    def write_final_samples(self, path):
        """Writes the final sample grid of the run as a PNG file."""
        self.pictures.write_final(path, self.trained_networks(), self.preview)
