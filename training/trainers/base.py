"""The custom training loop's step, shared by the GAN and the reconstruction trainers."""

import time

import numpy as np
import tensorflow as tf

from training.monitoring import attention_pictures
from training.trainers import precision
from training.trainers.replicas import local_replica_ids
from training.trainers.replicas import replica_seed


class Trainer:
    """One distributed training step of a zoo model, and what TensorBoard shows of it.

    The step runs under any `tf.distribute` strategy (the default one, MirroredStrategy,
    MultiWorkerMirroredStrategy): each replica's batches are taken from that replica's own
    `tf.data` iterator before the compiled step (the time that takes is `data_wait_s`: the wait
    for the input pipeline), then a `tf.function` runs `train_replica` in every replica with
    `strategy.run` and averages the logs with `strategy.reduce`. Losses are averaged over the *global* batch, because
    the optimizers sum the gradients of the replicas.

    Each replica has its own plain `tf.data` iterator (rather than one `DistributedIterator`,
    which `tf.train.Checkpoint` cannot save) so that the checkpoint holds the data position and a
    resumed run reads exactly the batches the uninterrupted run would have read. All noise is
    drawn with stateless RNGs from `(seed, step, stream, replica)`, so the step counter is the
    whole RNG state.

    With `config.jit_compile` each replica's step (`train_replica`: the forward and backward
    passes, the optimizer updates, the moving average) is compiled with XLA; reading the
    batches, drawing the noise (`replica_inputs`) and advancing the step counter stay outside
    it. The networks compute in the dtype policy they were built with (`--precision`); under
    `mixed_float16` the optimizers scale the loss (see `training.trainers.precision`).

    Subclasses receive their networks built (inside the strategy's scope), create their
    optimizers and other state in `build` (called inside that scope too), and define
    `train_replica` (and `replica_inputs` when they draw noise), `checkpoint_objects`,
    `networks`, `optimizers`, `write_images` and `write_final_samples`.

    Args:
        config: the run's `TrainConfig` with the model defaults filled in.
        strategy: the `tf.distribute.Strategy` the networks were built under.
    """

    # Batches each replica reads per step (a GAN's discriminator takes `n_disc`).
    batches_per_step = 1

    def __init__(self, config, strategy):
        self.config = config
        self.strategy = strategy
        self.iterators = {}
        # A fixed held-out `(images, labels)` batch for the pictures; set by the run.
        self.preview = None
        self._probes = {}
        with strategy.scope():
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self.build()
        self._compute = self.train_replica
        if config.jit_compile:
            self._compute = tf.function(self.train_replica, jit_compile=True)
        self._train_step = tf.function(self._distributed_step)

    def build(self):
        """Creates and builds the optimizers (and any other state), inside the strategy scope."""
        raise NotImplementedError

    def replica_inputs(self, batches):
        """What one replica's step computes from: its batches, and the step's noise.

        Runs outside XLA: for the same seed XLA's random kernels draw other numbers than
        TensorFlow's, and a run must draw the same noise with and without `--jit-compile`.
        Subclasses that draw noise add it here; by default the inputs are the batches.
        """
        return batches

    def train_replica(self, inputs):
        """One step in one replica on `replica_inputs(batches)`; returns `{name: scalar}` logs
        (per-replica means)."""
        raise NotImplementedError

    def checkpoint_objects(self):
        """`{name: trackable}`: everything a resumed run needs besides the step and the data."""
        raise NotImplementedError

    def networks(self):
        """`{name: keras.Model}` of the trained networks (for γ and attention pictures)."""
        raise NotImplementedError

    def optimizers(self):
        """`{name: optimizer}`, whose learning rates TensorBoard shows."""
        raise NotImplementedError

    def write_images(self, writer, step):
        """Writes the trainer's pictures (samples, reconstructions, attention) at `step`."""
        raise NotImplementedError

    def write_final_samples(self, path):
        """Writes the final sample grid of the run as a PNG file."""
        raise NotImplementedError

    def reset_state(self):
        """Prepares the state of a fresh run (not called when resuming)."""

    def evaluate(self):
        """Held-out metrics `{tag: value}`; none by default."""
        return {}

    def image_quality(self):
        """FID and KID scalars `{tag: value}` of what the model generates; none by default."""
        return {}

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

    # Shared pieces of the subclasses.

    def _make_optimizer(self, learning_rate, variables, name):
        config = self.config
        optimizer = precision.make_optimizer(
            config.precision, learning_rate, config.beta_1, config.beta_2, name
        )
        # Built here, inside the scope: slots created inside the replica function fail.
        optimizer.build(variables)
        return optimizer

    @staticmethod
    def _average_loss(per_example, model):
        """The per-replica share of the global mean loss, plus the model's own losses."""
        loss = tf.nn.compute_average_loss(per_example)
        if model.losses:
            loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        return loss

    @staticmethod
    def _apply(optimizer, loss, tape, model):
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

    # TensorBoard.

    def scalar_summaries(self):
        """Learning rates and the γ of every attention layer, `{tag: value}`."""
        values = {
            f"learning_rate/{name}": float(np.asarray(optimizer.learning_rate))
            for name, optimizer in self.optimizers().items()
        }
        for network in self.networks().values():
            for layer in attention_pictures.attention_layers(network):
                values[f"gamma/{layer.name}"] = float(np.asarray(layer.gamma))
        return values

    def _write_attention(self, writer, step, network, inputs, images):
        """Writes one attention picture per attention layer of `network` run on `inputs`: where a
        few query pixels look under the layer's own map and under the compared form's."""
        probe = self._probes.get(id(network))
        if probe is None:
            probe = self._probes[id(network)] = attention_pictures.AttentionProbe(network)
        for layer, features in probe(inputs):
            picture = attention_pictures.attention_picture(layer, features, images)
            writer.image(
                f"attention/{layer.name}",
                picture,
                step,
                description=attention_pictures.__doc__,
            )
