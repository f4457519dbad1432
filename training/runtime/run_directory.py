"""What both engines check and fill in before a run starts: a writable logdir, the model's
defaults for the options left unset. No TensorFlow."""

import dataclasses
import os
import tempfile


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
