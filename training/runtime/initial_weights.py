"""`--init-from RUN`: a new run starts from another run's trained weights, in any attention kind.

All attention kinds of a zoo family have the same variables (`keras_refined_sa.convert`), so the
newest checkpoint of a `sagan_softmax` run restores into `sagan_refined` or `sagan_efficient`:
"train softmax, deploy O(n)" is a fine-tune started this way. The networks (for a GAN also the
moving-average generator) are restored; the optimizers and the step start afresh.
"""

import os

from training import config as config_lib
from training.families import ConfigurationError
from training.families import family_of
from training.runtime import checkpoints

# Options that fix the shapes of the weights: they must equal the source run's.
_SHAPE_OPTIONS = ("resolution", "channels", "ch", "conditional", "model_args")


def _family_name(model):
    try:
        return family_of(model).name
    except ConfigurationError:
        return None


def _attention_kind(model):
    return model.split("_", 1)[1] if "_" in model else model


def check_init_from(config, channels):
    """Raises unless `config.init_from` names a run whose weights fit `config`'s model.

    Args:
        config: the new run's `TrainConfig`.
        channels: the new run's image channels (its dataset's when `--channels` is not given).

    Raises:
        ConfigurationError: the message names the option and the fix.
    """
    source = config.init_from
    if not os.path.isdir(source):
        raise ConfigurationError(
            f"--init-from {source}: no such folder; give the logdir of a finished run."
        )
    try:
        saved = config_lib.load_config(source)
    except (OSError, ValueError) as problem:
        raise ConfigurationError(
            f"--init-from {source}: not a training.run logdir ({problem})."
        ) from None
    family = family_of(config.model)
    if _family_name(saved.model) != family.name:
        raise ConfigurationError(
            f"--init-from {source} holds a {saved.model} run; {config.model} starts only from "
            f"a run of its own family ({family.name}_*) and architecture."
        )
    # A saved config holds the channels it resolved from its dataset.
    saved_values = saved.to_dict()
    wanted = {**config.to_dict(), "channels": channels}
    for name in _SHAPE_OPTIONS:
        if saved_values[name] != wanted[name]:
            raise ConfigurationError(
                f"--init-from {source} was trained with {name}={saved_values[name]!r}, this "
                f"run asks for {name}={wanted[name]!r}: the weights would not fit. Only the "
                f"attention kind may differ ({_attention_kind(saved.model)} -> "
                f"{_attention_kind(config.model)})."
            )
    if checkpoints.readable_checkpoint(source) is None:
        raise ConfigurationError(f"--init-from {source} holds no readable checkpoint.")


def load_initial_weights(trainer):
    """Restores the networks of `trainer` from the newest checkpoint of `config.init_from`.

    Returns:
        The checkpoint path the weights came from.

    Raises:
        CheckpointError: the checkpoint does not fit the trainer's networks.
    """
    path = checkpoints.readable_checkpoint(trainer.config.init_from)
    checkpoints.restore_objects(path, trainer.trained_networks())
    return path
