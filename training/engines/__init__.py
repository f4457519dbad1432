"""HOW a run is trained: one engine per Keras backend, chosen by `KERAS_BACKEND`.

- `tensorflow` (the default): tf.distribute strategies, tf.data, `tf.train.Checkpoint`
  (`training.runtime` today).
- `jax`: a jitted stateless step, `keras.distribution` over `jax.devices()`, NumPy input and
  orbax checkpoints, with no TensorFlow import (`training.engines.jax`).

A run records the engine that wrote it (`engine.json` in its logdir; a run without the file is a
TensorFlow run, written before the file existed): its checkpoints are the engine's own format,
so `--resume` continues it on that engine only.

Example:

>>> select_engine({"KERAS_BACKEND": "jax"})
'jax'
"""

import json
import os

ENGINES = ("tensorflow", "jax")
ENGINE_FILENAME = "engine.json"
# What a run without engine.json was trained on: every run written before the JAX engine existed.
_UNRECORDED_ENGINE = "tensorflow"


class EngineError(ValueError):
    """A backend no engine trains on, or a run that another engine wrote."""


def select_engine(environ=None):
    """The engine `KERAS_BACKEND` asks for: "tensorflow" when unset.

    Raises:
        EngineError: a backend without a training engine (e.g. "torch").
    """
    environ = os.environ if environ is None else environ
    backend = environ.get("KERAS_BACKEND") or "tensorflow"
    if backend not in ENGINES:
        raise EngineError(
            f"training runs on TensorFlow or JAX, but KERAS_BACKEND={backend!r}. Set it to "
            f"'tensorflow' (or unset it) or to 'jax'."
        )
    return backend


def record_engine(logdir, engine):
    """Writes `<logdir>/engine.json` naming the engine that trains the run."""
    with open(os.path.join(logdir, ENGINE_FILENAME), "w") as file:
        json.dump({"engine": engine}, file)


def engine_of_run(logdir):
    """The engine that wrote the run in `logdir` (see the module docstring)."""
    path = os.path.join(logdir, ENGINE_FILENAME)
    if not os.path.isfile(path):
        return _UNRECORDED_ENGINE
    with open(path) as file:
        return json.load(file)["engine"]


def start_backend_for_run(logdir, verbose=False):
    """Picks the Keras backend of a command that reads the run in `logdir` (sample, export).

    `KERAS_BACKEND` wins when set; otherwise the engine that wrote the run, so that a JAX run is
    read without TensorFlow. TensorFlow is imported (quietly unless `verbose`) only for the
    TensorFlow backend. Call it before importing Keras.

    Returns:
        The backend, "tensorflow" or "jax" (or whatever `KERAS_BACKEND` names).
    """
    from training import quiet

    written_by = engine_of_run(logdir) if os.path.isdir(logdir) else _UNRECORDED_ENGINE
    backend = os.environ.setdefault("KERAS_BACKEND", written_by)
    if backend == "tensorflow":
        quiet.import_tensorflow(verbose)
    return backend


def check_resume_engine(logdir, engine):
    """Raises `EngineError` when the run in `logdir` was written by another engine than `engine`.

    Example:

    >>> import tempfile
    >>> check_resume_engine(tempfile.mkdtemp(), "tensorflow")  # no engine.json: TensorFlow's
    """
    written_by = engine_of_run(logdir)
    if written_by != engine:
        raise EngineError(
            f"--resume: the run in {logdir} was trained on {written_by} (its checkpoints are "
            f"{written_by}'s), but KERAS_BACKEND asks for {engine}. Resume it with "
            f"KERAS_BACKEND={written_by}, or start a new run in another --logdir."
        )
