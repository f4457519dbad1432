"""A JAX run's moving parts between steps: its state, its data, its pictures and its checkpoints.

`JaxTrainer` holds the run's state (`training.engines.jax.state`), runs the jitted
`TrainStep` on batches from the NumPy input, and gives the loop what the TensorFlow trainers
give theirs, under the same TensorBoard tags: the logs of a step, `learning_rate/<network>` and
`gamma/<attention layer>`, the held-out metrics of `Family.evaluate_batch`, the sample or
reconstruction grid and the attention pictures, and the checkpoint's contents.
"""

import itertools
import time

import jax
import numpy as np

from training.data import arrays
from training.engines.jax.checkpoints import CheckpointMismatch
from training.engines.jax.state import assign
from training.engines.jax.state import non_finite_names
from training.engines.jax.state import to_host
from training.engines.jax.step import TrainStep
from training.monitoring import attention_pictures
from training.monitoring.run_pictures import RunPictures

# Images of the fixed held-out batch shown in the pictures (as the TensorFlow engine).
PREVIEW_IMAGES = 8


class JaxTrainer:
    """Trains one run's model with the JAX engine.

    Args:
        family: the run's `training.families.Family`.
        config: the run's `TrainConfig`, model defaults filled in.
        model: what `zoo.create` built, under the run's dtype policy and distribution.
        devices: the run's `training.engines.jax.distribution.Devices`.
    """

    def __init__(self, family, config, model, devices):
        self.family = family
        self.config = config
        self.model = model
        self.devices = devices
        with devices.scope():
            self.program = TrainStep(family, config, model)
            # Keras twins of the moving averages (same class and config: the same variables),
            # for the pictures and the checkpoint keys `Family.checkpoint_networks` names.
            self.twins = {}
            for average, (network, _, _) in self.program.averages.items():
                source = self.program.networks[network]
                self.twins[average] = type(source).from_config(source.get_config())
        self.state = None
        self.iterator = None
        self.preview = None
        self.eval_batches = []
        self.data_wait_s = 0.0
        self._gammas = self._gamma_positions()
        self.pictures = RunPictures(family, model, config)

    @property
    def step(self):
        """The number of steps trained (a Python int)."""
        return int(self.state["step"])

    def reset_state(self):
        """The state of a fresh run (not called when resuming)."""
        self.state = self.devices.replicate(self.program.initial_state())

    # Training.

    def train_step(self):
        """Runs one step; returns its logs as Python floats (`data_wait_s`: the batches' wait)."""
        started = time.perf_counter()
        batches = tuple(
            self.devices.put(next(self.iterator)) for _ in range(self.program.batches_per_step)
        )
        self.data_wait_s = time.perf_counter() - started
        self.state, logs = self.program.step(self.state, batches)
        return {tag: float(value) for tag, value in to_host(logs).items()}

    def scalar_summaries(self):
        """`learning_rate/<network>` and `gamma/<attention layer>` of the trained networks."""
        values = {
            f"learning_rate/{name}": float(np.asarray(optimizer.learning_rate))
            for name, optimizer in self.program.optimizers.items()
        }
        trainable = self.state["trainable"]
        for tag, (network, index) in self._gammas.items():
            values[tag] = float(np.asarray(trainable[network][index]).reshape(-1)[0])
        return values

    def _gamma_positions(self):
        positions = {}
        for name, network in self.program.networks.items():
            layout = self.program.layouts[name]
            for layer in attention_pictures.attention_layers(network):
                positions[f"gamma/{layer.name}"] = (name, layout.index_of(layer.gamma))
        return positions

    def evaluate(self):
        """The mean over the held-out batches of each per-example metric of the family."""
        if not self.eval_batches:
            return {}
        totals = {}
        for index, images in enumerate(self.eval_batches):
            scores = jax.device_get(self.program.evaluate(self.state, images, index))
            for tag, values in scores.items():
                totals.setdefault(tag, []).append(np.asarray(values, np.float64))
        return {tag: float(np.concatenate(values).mean()) for tag, values in totals.items()}

    # Pictures.

    def sync_models(self):
        """Writes the state into the Keras networks and twins, for eager use (pictures, samples)."""
        state = self.state
        for name, network in self.program.networks.items():
            assign(network.trainable_variables, state["trainable"][name])
            assign(network.non_trainable_variables, state["non_trainable"][name])
        for average, twin in self.twins.items():
            assign(twin.weights, state["averages"][average])

    def trained_networks(self):
        """The networks and the moving averages' twins, by checkpoint key."""
        return self.family.checkpoint_networks(self.model, self.twins)

    def write_images(self, writer, step):
        """Writes the run's pictures at `step` (`training.monitoring.run_pictures`)."""
        self.sync_models()
        self.pictures.write(writer, step, self.trained_networks(), self.preview)

    def write_final_samples(self, path):
        """Writes the final sample (or reconstruction) grid as a PNG file."""
        self.sync_models()
        self.pictures.write_final(path, self.trained_networks(), self.preview)

    # Checkpoints.

    def _named_lists(self):
        """`{checkpoint key: [arrays in weights order]}` and `{key: [variable paths]}`."""
        program, state = self.program, self.state
        named = self.trained_networks()
        lists, paths = {}, {}
        for key, network in named.items():
            for name, candidate in program.networks.items():
                if candidate is network:
                    layout = program.layouts[name]
                    lists[key] = layout.weights(
                        state["trainable"][name], state["non_trainable"][name]
                    )
                    paths[key] = layout.paths
            for average, twin in self.twins.items():
                if twin is network:
                    lists[key] = state["averages"][average]
                    paths[key] = program.layouts[program.averages[average][0]].paths
        return lists, paths

    def checkpoint_contents(self):
        """`(tree, meta, non_finite)` of a checkpoint: every array of the state (on the host),
        the data position and variable paths, and the paths of the float arrays (weights,
        averages, optimizer variables) holding NaN or inf."""
        lists, paths = self._named_lists()
        names = self.family.optimizer_names()
        tree = to_host({
            "weights": lists,
            "optimizers": {names[name]: values
                           for name, values in self.state["optimizers"].items()},
            "step": self.state["step"],
            "rng": jax.random.key_data(jax.random.key(self.config.seed)),
        })
        meta = {
            "engine": "jax",
            "step": self.step,
            "seed": self.config.seed,
            "data": self.iterator.position,
            "paths": paths,
        }
        named = {}
        for key, values in tree["weights"].items():
            named.update({f"{key}/{path}": value for path, value in zip(paths[key], values)})
        for name, optimizer in self.program.optimizers.items():
            for variable, value in zip(optimizer.variables, tree["optimizers"][names[name]]):
                named[f"{optimizer.name}/{variable.path}"] = value
        return tree, meta, non_finite_names(named)

    def restore(self, tree, meta):
        """Takes the state of a checkpoint read by `CheckpointStore`; returns its data position."""
        program = self.program
        names = self.family.optimizer_names()
        rng = np.asarray(jax.random.key_data(jax.random.key(self.config.seed)))
        if not np.array_equal(np.asarray(tree["rng"]), rng):
            raise CheckpointMismatch(
                f"the checkpoint's RNG key is not the one of --seed {self.config.seed}."
            )
        state = {
            "trainable": {}, "non_trainable": {}, "optimizers": {}, "averages": {},
            "step": np.asarray(tree["step"], np.int32),
        }
        named = self.trained_networks()
        for key, network in named.items():
            values = _checked(tree["weights"].get(key), network.weights, key)
            for name, candidate in program.networks.items():
                if candidate is network:
                    trainable, non_trainable = _split(program.layouts[name], values)
                    state["trainable"][name] = trainable
                    state["non_trainable"][name] = non_trainable
            for average, twin in self.twins.items():
                if twin is network:
                    state["averages"][average] = values
        for name, optimizer in program.optimizers.items():
            values = tree["optimizers"].get(names[name])
            state["optimizers"][name] = _checked(values, optimizer.variables, names[name])
        self.state = self.devices.replicate(state)
        return int(meta["data"])

    def attach_data(self, position=0):
        """Opens the training batches at `position` (batches read so far) and the held-out ones:
        `PREVIEW_IMAGES` images for the pictures and, when the family evaluates,
        `config.eval_batches` batches."""
        config = self.config
        options = dict(resolution=config.resolution, channels=config.channels,
                       data_dir=config.data_dir)
        index, count = self.devices.shard()
        self.iterator = arrays.BatchIterator(
            config.dataset, batch_size=config.batch_size, seed=config.seed,
            shard_index=index, shard_count=count, position=position, **options,
        )
        with arrays.heldout_batches(config.dataset, seed=config.seed,
                                    batch_size=PREVIEW_IMAGES, **options) as heldout:
            self.preview = next(heldout)
        if self.family.heldout_needs() == "evaluation":
            with arrays.heldout_batches(config.dataset, seed=config.seed,
                                        batch_size=config.batch_size, shard_index=index,
                                        shard_count=count, **options) as heldout:
                self.eval_batches = [
                    self.devices.put((images,))[0]
                    for images, _ in itertools.islice(heldout, config.eval_batches)
                ]

    def close(self):
        """Stops the input thread."""
        if self.iterator is not None:
            self.iterator.close()


def _split(layout, values):
    trainable = [None] * sum(1 for is_trainable, _ in layout.order if is_trainable)
    non_trainable = [None] * (len(layout.order) - len(trainable))
    for (is_trainable, index), value in zip(layout.order, values):
        (trainable if is_trainable else non_trainable)[index] = value
    return trainable, non_trainable


def _checked(values, variables, key):
    """`values` as arrays of the variables' shapes and dtypes, or `CheckpointMismatch`."""
    if values is None or len(values) != len(variables):
        raise CheckpointMismatch(
            f"the checkpoint holds {0 if values is None else len(values)} arrays for {key!r}, "
            f"the model {len(variables)}."
        )
    checked = []
    for value, variable in zip(values, variables):
        value = np.asarray(value)
        if tuple(value.shape) != tuple(variable.shape):
            raise CheckpointMismatch(
                f"{key}/{variable.path} has shape {value.shape} in the checkpoint and "
                f"{tuple(variable.shape)} in the model."
            )
        checked.append(value.astype(variable.dtype))
    return checked
