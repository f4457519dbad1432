"""Checkpoints of the JAX engine, written with orbax-checkpoint.

`<logdir>/checkpoints/<step>/` holds a `state` item (every array of the run: the weights of each
network and moving average, the optimizers' variables, the step and the RNG key) and a `meta`
item (JSON: the engine, the data position, the variable paths of each array list). orbax writes
a checkpoint into a temporary folder and renames it when complete, so a save killed halfway
leaves no checkpoint that reads as one (the manager lists finalised steps only, and deletes the
temporary folders it finds). `max_to_keep` prunes the oldest.

Example:

>>> import tempfile, numpy as np
>>> store = CheckpointStore(tempfile.mkdtemp(), max_to_keep=2)
>>> store.save(3, {"weights": {"net": [np.ones(2, "float32")]}}, {"data": {"epoch": 0}})
>>> tree, meta = store.restore()
>>> store.latest_step(), tree["weights"]["net"][0].tolist(), meta["data"]
(3, [1.0, 1.0], {'epoch': 0})
"""

import os

import numpy as np
import orbax.checkpoint as ocp

CHECKPOINT_DIRNAME = "checkpoints"


class CheckpointMismatch(ValueError):
    """A checkpoint whose arrays do not fit the run's model, optimizers or seed."""


class CheckpointStore:
    """The orbax checkpoints of one run.

    Args:
        directory: where the checkpoints live (`<logdir>/checkpoints`).
        max_to_keep: how many of the newest checkpoints are kept.
    """

    def __init__(self, directory, max_to_keep=None):
        self.directory = os.path.abspath(directory)
        options = ocp.CheckpointManagerOptions(
            max_to_keep=max_to_keep,
            create=True,
            # The loop checks the weights before a save and stops right after one: synchronous
            # saves keep "saved" meaning "on disk".
            enable_async_checkpointing=False,
            cleanup_tmp_directories=True,
        )
        self._manager = ocp.CheckpointManager(self.directory, options=options)

    def steps(self):
        """The steps of the complete checkpoints, oldest first."""
        return sorted(self._manager.all_steps())

    def latest_step(self):
        """The newest complete checkpoint's step, or None."""
        return self._manager.latest_step()

    def path(self, step):
        """The folder of the checkpoint of `step`."""
        return os.path.join(self.directory, str(step))

    def save(self, step, tree, meta):
        """Writes the checkpoint of `step`: `tree` (nested dicts and lists of arrays) and `meta`
        (JSON-serialisable). Raises `OSError` when the disk refuses."""
        self._manager.save(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(_as_arrays(tree)), meta=ocp.args.JsonSave(meta)
            ),
            force=True,
        )
        self._manager.wait_until_finished()

    def restore(self, step=None):
        """`(tree, meta)` of the checkpoint of `step` (the newest by default), as NumPy arrays."""
        step = self.latest_step() if step is None else step
        if step is None:
            raise FileNotFoundError(f"{self.directory} holds no complete checkpoint.")
        restored = self._manager.restore(
            step,
            args=ocp.args.Composite(state=ocp.args.StandardRestore(), meta=ocp.args.JsonRestore()),
        )
        return restored["state"], restored["meta"]

    def close(self):
        self._manager.close()


def _as_arrays(tree):
    """NumPy scalars become 0-d arrays: orbax saves arrays, not NumPy scalar types."""
    if isinstance(tree, dict):
        return {key: _as_arrays(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_as_arrays(value) for value in tree]
    if isinstance(tree, np.generic):
        return np.asarray(tree)
    return tree


def complete_steps(directory):
    """The steps of the complete checkpoints in `directory`, read from the folder names alone
    (orbax renames a checkpoint's temporary folder to its step once it is complete)."""
    if not os.path.isdir(directory):
        return []
    return sorted(int(name) for name in os.listdir(directory)
                  if name.isdigit() and os.path.isdir(os.path.join(directory, name)))


def has_checkpoints(logdir):
    """Whether `<logdir>/checkpoints` holds any orbax step folder (complete or not)."""
    directory = os.path.join(logdir, CHECKPOINT_DIRNAME)
    if not os.path.isdir(directory):
        return False
    return any(name.split(".", 1)[0].isdigit() for name in os.listdir(directory))


def restore_network(logdir, key, network, checkpoint=None):
    """Restores `network` from checkpoint key `key` (e.g. "ema_generator") of a JAX run.

    What `training.sample`, `training.export` and `training.evaluate` read (through
    `training.runtime.load_saved_run`).

    Args:
        logdir: the run's directory.
        key: a key of `Family.checkpoint_networks` (`Family.saved_network_key`).
        network: a built Keras model of the run's architecture.
        checkpoint: a checkpoint folder `<logdir>/checkpoints/<step>`; None for the newest.

    Returns:
        `(path, others, non_finite)`: the checkpoint read, the run's other checkpoints, and the
        paths of the restored float weights that are NaN or infinite.

    Raises:
        CheckpointMismatch: no checkpoint, no such key, or arrays that do not fit `network`.
    """
    directory = os.path.join(logdir, CHECKPOINT_DIRNAME)
    steps = complete_steps(directory)
    if checkpoint is None:
        if not steps:
            raise CheckpointMismatch(f"{logdir} holds no checkpoint yet.")
        step = steps[-1]
    else:
        name = os.path.basename(os.path.normpath(checkpoint))
        if not name.isdigit() or int(name) not in steps:
            raise CheckpointMismatch(
                f"{checkpoint} is not a checkpoint of {logdir}; its checkpoints are "
                f"{', '.join(os.path.join(directory, str(s)) for s in steps) or 'none'}."
            )
        step = int(name)
    store = CheckpointStore(directory)
    try:
        tree, _ = store.restore(step)
    finally:
        store.close()
    values = tree["weights"].get(key)
    variables = network.weights
    if values is None or len(values) != len(variables):
        raise CheckpointMismatch(
            f"checkpoint {store.path(step)} holds no {len(variables)} weights for {key!r} "
            f"(keys: {', '.join(tree['weights'])})."
        )
    non_finite = []
    for variable, value in zip(variables, values):
        value = np.asarray(value)
        if tuple(value.shape) != tuple(variable.shape):
            raise CheckpointMismatch(
                f"{key}/{variable.path} has shape {value.shape} in {store.path(step)} and "
                f"{tuple(variable.shape)} in the model."
            )
        if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
            non_finite.append(variable.path)
        variable.assign(value.astype(variable.dtype))
    others = [store.path(other) for other in reversed(steps) if other != step]
    return store.path(step), others, non_finite
