"""A run read back from its logdir, finished or still training: its network, restored."""

import dataclasses

import zoo
from training import config as config_lib
from training.runtime import checkpoints
from training.runtime.checkpoints import CheckpointError


@dataclasses.dataclass
class SavedRun:
    """What `load_saved_run` returns.

    Attributes:
        config: the run's `TrainConfig`.
        model: what `zoo.create` built (a `SAGAN` pair or an `Autoencoder`).
        network: the restored network: the (moving-average) generator or the autoencoder.
        checkpoint: the path of the checkpoint it was restored from.
    """

    config: config_lib.TrainConfig
    model: object
    network: object
    checkpoint: str


def load_saved_run(logdir, checkpoint=None, ema=True):
    """Rebuilds the network of the run in `logdir` and restores its trained weights.

    Args:
        logdir: the run's directory (`config.json`, `model.json`, `checkpoints/`).
        checkpoint: a checkpoint path prefix; None for the newest.
        ema: for a GAN, the moving-average generator (what the run's samples show) rather than
            the raw one.

    Raises:
        CheckpointError: no run, no checkpoint, or a checkpoint that does not fit.
    """
    try:
        config = config_lib.load_config(logdir)
        name, arguments = config_lib.load_model_spec(logdir)
    except (OSError, ValueError, KeyError) as error:
        raise CheckpointError(f"{logdir} holds no readable training run: {error}") from error
    # Synchronised batch norm only matters across replicas; the variables are the same.
    if "sync_batch_norm" in arguments:
        arguments = {**arguments, "sync_batch_norm": False}
    model = zoo.create(name, **arguments)
    if config.family == "sagan":
        network, key = model.generator, "ema_generator" if ema else "generator"
    else:
        network, key = model, "autoencoder"
    path = checkpoint or checkpoints.latest_checkpoint(logdir)
    if path is None:
        raise CheckpointError(f"{logdir} holds no checkpoint yet.")
    checkpoints.restore_objects(path, {key: network})
    return SavedRun(config=config, model=model, network=network, checkpoint=path)
