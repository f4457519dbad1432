"""A run read back from its logdir, finished or still training: its network, restored."""

import dataclasses
import os
import re

import zoo
from training import config as config_lib
from training import engines
from training.families import family_of
from training.runtime.errors import CheckpointError
from training.trainers.precision import dtype_policy


@dataclasses.dataclass
class SavedRun:
    """What `load_saved_run` returns.

    Attributes:
        config: the run's `TrainConfig`.
        model: what `zoo.create` built (a `SAGAN` pair or an `Autoencoder`).
        family: the model's `training.families.Family`.
        network: the restored network: the (moving-average) generator or the autoencoder.
        checkpoint: the path of the checkpoint it was restored from.
    """

    config: config_lib.TrainConfig
    model: object
    family: object
    network: object
    checkpoint: str

    @property
    def step(self):
        """The training step of `checkpoint` (`ckpt-300` on TensorFlow, `300` on JAX)."""
        return int(re.search(r"(\d+)$", os.path.normpath(self.checkpoint)).group(1))


def load_saved_run(logdir, checkpoint=None, ema=True, attention=None):
    """Rebuilds the network of the run in `logdir` and restores its trained weights.

    The network computes in the run's `--precision`, as it did in training: a sample grid or
    an evaluation of a mixed-precision run shows what its TensorBoard pictures and held-out
    scores showed. Its weights are float32 whatever the precision, and images leave it in
    float32.

    Args:
        logdir: the run's directory (`config.json`, `model.json`, `checkpoints/`).
        checkpoint: a checkpoint path prefix; None for the newest.
        ema: for a GAN, the moving-average generator (what the run's samples show) rather than
            the raw one.
        attention: rebuild the network with this attention kind ("softmax", "refined",
            "efficient", as `keras_refined_sa.convert`) and the same weights; None keeps the
            run's own. This is how a softmax run is evaluated as refined right after conversion.

    Raises:
        CheckpointError: no run, no checkpoint, a checkpoint that does not fit, or one whose
            weights are NaN or infinite (a diverged run's).
    """
    try:
        config = config_lib.load_config(logdir)
        name, arguments = config_lib.load_model_spec(logdir)
    except (OSError, ValueError, KeyError) as error:
        raise CheckpointError(f"{logdir} holds no readable training run: {error}") from error
    # Synchronised batch norm only matters across replicas; the variables are the same.
    if "sync_batch_norm" in arguments:
        arguments = {**arguments, "sync_batch_norm": False}
    family = family_of(name)
    if attention is not None:
        name = f"{family.name}_{attention}"
        if name not in zoo.list_models():
            raise ValueError(
                f"there is no {name} model to convert {logdir} to. Received: "
                f"attention={attention!r}"
            )
    with dtype_policy(config.precision):
        model = zoo.create(name, **arguments)
    network, key = family.saved_network(model), family.saved_network_key(ema)
    path, others, bad = _restorer(logdir)(logdir, key, network, checkpoint)
    if bad:
        raise CheckpointError(
            f"Checkpoint {path} holds non-finite (NaN or infinite) weights in {bad[0]}"
            + (f" and {len(bad) - 1} more" if len(bad) > 1 else "")
            + ": the run diverged. Choose an earlier checkpoint with --checkpoint"
            + (f" (found: {', '.join(others)})." if others else ".")
        )
    return SavedRun(config=config, model=model, family=family, network=network, checkpoint=path)


def load_saved_model(logdir, checkpoint=None, ema=True):
    """`load_saved_run`, with every network of the model restored, not only the saved one: a
    GAN's discriminator too (what a preset holds, `zoo.save_preset`).

    Raises:
        CheckpointError: as `load_saved_run`, for any of the networks.
    """
    run = load_saved_run(logdir, checkpoint, ema)
    restore = _restorer(logdir)
    for role, network in run.model.networks().items():
        if network is not run.network:
            _, _, bad = restore(logdir, role, network, run.checkpoint)
            if bad:
                raise CheckpointError(
                    f"Checkpoint {run.checkpoint} holds non-finite weights in {bad[0]} of the "
                    f"{role}: the run diverged. Choose an earlier checkpoint with --checkpoint."
                )
    return run


def _restorer(logdir):
    return _restore_jax if engines.engine_of_run(logdir) == "jax" else _restore_tensorflow


def _restore_tensorflow(logdir, key, network, checkpoint):
    """A TensorFlow run's `tf.train.Checkpoint` (needs TensorFlow, whatever the backend)."""
    try:
        from training.runtime import checkpoints
        from training.runtime.loop import non_finite_variables
    except ModuleNotFoundError as missing:
        raise CheckpointError(
            f"{logdir} was trained on TensorFlow: reading its checkpoints needs TensorFlow "
            f"({missing}). Install it (pip install \"keras-refined-sa[train]\")."
        ) from missing
    path = checkpoint or checkpoints.readable_checkpoint(logdir)
    if path is None:
        raise CheckpointError(f"{logdir} holds no checkpoint yet.")
    checkpoints.restore_objects(path, {key: network})
    others = [other for other in checkpoints.find_checkpoints(logdir) if other != path]
    return path, others, non_finite_variables({key: network})


def _restore_jax(logdir, key, network, checkpoint):
    """A JAX run's orbax checkpoint (`training.engines.jax.checkpoints.restore_network`)."""
    from training.engines.jax.checkpoints import CheckpointMismatch
    from training.engines.jax.checkpoints import restore_network

    try:
        return restore_network(logdir, key, network, checkpoint)
    except CheckpointMismatch as problem:
        raise CheckpointError(str(problem)) from problem
