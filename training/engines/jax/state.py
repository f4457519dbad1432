"""The JAX engine's training state: every variable of a run as a pytree of arrays.

Keras models keep their weights in variables; a jitted stateless step needs them as plain arrays
it takes and returns. `NetworkLayout` records where each variable of a network sits (its
`trainable_variables`, its `non_trainable_variables` and the order of its `weights`), so that
the engine reads the arrays out of the models, writes them back before the models are used
eagerly (pictures, samples), and keeps each moving average in the order of `weights` (the order
of its twin model's, which checkpoints and `training.sample` restore).

The state of a run is a dict (a pytree):

    {"trainable": {network: [array]}, "non_trainable": {network: [array]},
     "optimizers": {network: [array]}, "averages": {average: [array in weights order]},
     "step": int32 array}
"""

import jax
import jax.numpy as jnp
import numpy as np


class NetworkLayout:
    """Where the variables of one Keras network sit in its lists.

    Args:
        network: a built `keras.Model`.

    Example:

    >>> import keras
    >>> net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
    ...                         keras.layers.BatchNormalization()])
    >>> layout = NetworkLayout(net)
    >>> trainable, non_trainable = layout.values()
    >>> len(trainable), len(non_trainable), len(layout.weights(trainable, non_trainable))
    (4, 2, 6)
    """

    def __init__(self, network):
        self.network = network
        trainable = {
            id(variable): index for index, variable in enumerate(network.trainable_variables)
        }
        non_trainable = {
            id(variable): index for index, variable in enumerate(network.non_trainable_variables)
        }
        self.order = [
            (True, trainable[id(variable)])
            if id(variable) in trainable
            else (False, non_trainable[id(variable)])
            for variable in network.weights
        ]
        self.paths = [variable.path for variable in network.weights]

    def values(self):
        """The network's current `(trainable, non_trainable)` arrays."""
        network = self.network
        return (
            [variable.value for variable in network.trainable_variables],
            [variable.value for variable in network.non_trainable_variables],
        )

    def weights(self, trainable, non_trainable):
        """The arrays in the order of `network.weights`."""
        return [trainable[index] if is_trainable else non_trainable[index]
                for is_trainable, index in self.order]

    def index_of(self, variable):
        """The position of `variable` in `network.trainable_variables`."""
        for index, candidate in enumerate(self.network.trainable_variables):
            if candidate is variable:
                return index
        raise ValueError(f"{variable.path} is not a trainable variable of {self.network.name}.")


def assign(variables, values):
    """Writes `values` into the Keras `variables`, one for one (same order)."""
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


def move_average(average, weights, step, decay, start_step):
    """One step of `training.trainers.ema.ExponentialMovingAverage.update`, on arrays.

    The decay ramps up as `min(decay, (1 + t) / (10 + t))`, t the steps since `start_step`;
    before `start_step` the average copies the weights. Every float array is averaged (batch-norm
    statistics and spectral-norm vectors too), others are copied.

    Args:
        average: the average's arrays, in the network's `weights` order.
        weights: the network's arrays after the step, in the same order.
        step: the step just trained (before the counter moves on), an integer array.
        decay: the decay in `[0, 1)`.
        start_step: the first step that averages.

    Example:

    >>> move_average([jnp.zeros(2)], [jnp.ones(2)], jnp.int32(0), 0.999, 5)[0].tolist()
    [1.0, 1.0]
    """
    updates = step.astype(jnp.float32) - jnp.float32(start_step)
    rate_decay = jnp.minimum(jnp.float32(decay), (1.0 + updates) / (10.0 + updates))
    rate_decay = jnp.where(updates < 0, jnp.float32(0.0), rate_decay)
    moved = []
    for old, new in zip(average, weights, strict=True):
        if jnp.issubdtype(new.dtype, jnp.floating):
            rate = 1.0 - rate_decay.astype(new.dtype)
            moved.append(old + rate * (new - old))
        else:
            moved.append(new)
    return moved


def to_host(tree):
    """`tree` with its (replicated) arrays as NumPy: each process's own copy, so this works on
    several hosts too, where `jax.device_get` refuses arrays spanning other hosts' devices."""

    def local(value):
        if isinstance(value, jax.Array):
            return np.asarray(value.addressable_data(0))
        return np.asarray(value)

    return jax.tree.map(local, tree)


def non_finite_names(named):
    """The names of the float arrays of `named` (`{name: NumPy array}`) holding NaN or inf."""
    return [
        name
        for name, value in named.items()
        if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all()
    ]
