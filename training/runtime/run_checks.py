"""What both engines check and fill in before a run starts: the model and its arguments, a
writable logdir, the model's defaults for the options left unset. No TensorFlow."""

import dataclasses
import difflib
import os
import tempfile

import zoo
from training.families import ConfigurationError
from training.families import family_of

# zoo.create arguments the run sets from its own options: a --model-arg for one of them would
# contradict the option (and config.json), so it is refused with the option to use instead.
FIRST_CLASS_ARGUMENTS = {
    "resolution": "--resolution",
    "channels": "--channels",
    "ch": "--ch",
    "num_classes": "--conditional (the number of classes comes from the dataset)",
    "sync_batch_norm": "--strategy (synchronised batch norm is on whenever it gives several "
    "replicas)",
}


def check_model(config):
    """The model's `Family`, after the checks that need no data: a known model, and no
    `--model-arg` for an argument the run sets itself.

    Raises:
        ConfigurationError: naming the option, the value received and the fix.
    """
    names = zoo.list_models()
    if config.model not in names:
        close = difflib.get_close_matches(config.model, names, n=1, cutoff=0.0)
        raise ConfigurationError(
            f"--model: unknown model {config.model!r}; did you mean {close[0]!r}? "
            f"Choices: {', '.join(names)}."
        )
    for name, value in config.model_args.items():
        if name in FIRST_CLASS_ARGUMENTS:
            raise ConfigurationError(
                f"--model-arg {name}={value!r}: use {FIRST_CLASS_ARGUMENTS[name]} instead; "
                f"the run sets `{name}` from that option (which config.json, the data pipeline "
                f"and --resume follow)."
            )
    return family_of(config.model)


def write_problem(folder):
    """None when a file can be created in `folder`, else why not (a real probe: root ignores
    permission bits, read-only mounts do not).

    Example:

    >>> write_problem(tempfile.gettempdir()) is None
    True
    """
    try:
        descriptor, path = tempfile.mkstemp(dir=folder, prefix=".write-test-")
    except OSError as problem:
        return problem.strerror or str(problem)
    os.close(descriptor)
    os.remove(path)
    return None


def with_model_defaults(config, defaults, channels, logdir):
    """`config` with `None` options replaced by the model's training defaults (any option the
    model's `defaults` name: learning rates, Adam betas, `n_disc`), and the resolved channels
    and logdir."""
    resolved = {"channels": channels, "logdir": logdir}
    for name, value in defaults.items():
        if getattr(config, name, 0) is None:
            resolved[name] = value
    return dataclasses.replace(config, **resolved)
