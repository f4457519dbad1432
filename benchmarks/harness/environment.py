"""Where and how a benchmark ran: machine, versions, date and command line."""

import datetime
import importlib.metadata
import os
import platform
import shlex
import sys

import keras
import psutil

# The libraries behind each Keras backend, whose versions change the numbers.
_BACKEND_LIBRARIES = {
    "tensorflow": ("tensorflow",),
    "jax": ("jax", "jaxlib"),
    "torch": ("torch",),
}


def cpu_model():
    """The CPU's model name, e.g. "AMD EPYC 7B13" ("unknown" where it cannot be read)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def describe_environment(program, argv=None, *, own_backend=False):
    """A JSON-serialisable description of this run.

    It leaves out the accelerator, which only a child process touches (a JAX parent would
    otherwise reserve most of the GPU's memory for itself): benchmark records carry
    `device_kind` and `device_name` from the child.

    Args:
        program: the command without its arguments, e.g. `"python -m benchmarks.layers"`.
        argv: the command's arguments; defaults to `sys.argv[1:]`.
        own_backend: the command sets its backend itself (the TensorFlow-only commands): its
            command line is recorded as typed, without the `KERAS_BACKEND=` it set.

    Example:

    >>> describe_environment("python -m benchmarks.layers", ["-h"])["command"]  # doctest: +SKIP
    'KERAS_BACKEND=jax python -m benchmarks.layers -h'
    """
    argv = sys.argv[1:] if argv is None else argv
    backend = keras.backend.backend()
    command = shlex.join([*program.split(), *argv])
    if "KERAS_BACKEND" in os.environ and not own_backend:
        command = f"KERAS_BACKEND={shlex.quote(os.environ['KERAS_BACKEND'])} {command}"
    libraries = {name: _version(name) for name in _BACKEND_LIBRARIES.get(backend, ())}
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_total_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "keras": keras.__version__,
        "keras_backend": backend,
        "backend_libraries": libraries,
        "numpy": _version("numpy"),
        "load_average_at_start": list(os.getloadavg()),
    }
