"""Keeps TensorFlow's start-up messages off the commands' output unless they run with --verbose."""

import contextlib
import os
import sys
import tempfile

VERBOSE_HELP = (
    "show TensorFlow's start-up messages (CUDA probes, oneDNN and CPU notices) and its C++ log"
)


def add_verbose_option(parser):
    """Adds `--verbose` to a command's argparse parser (or argument group)."""
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)


def import_tensorflow(verbose=False):
    """Imports TensorFlow, quietly unless `verbose`. Call it before anything imports tensorflow.

    The commands call it right after parsing their options, before their own imports of the
    training modules: `--help` and bad options never start TensorFlow, so they stay instant.

    Quiet means `TF_CPP_MIN_LOG_LEVEL=3` (unless set already): TensorFlow's C++ log, the CUDA
    probe errors of a machine without a GPU included, stays silent; real failures still reach
    Python as exceptions. That variable only counts if it is set before TensorFlow loads, and
    even then TensorFlow 2.21 logs the oneDNN notice and the CUDA probe (through absl, before
    it reads the variable) while its libraries load: those go to a file while tensorflow is
    imported, and come out only if the import fails.
    """
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if verbose or "tensorflow" in sys.modules:
        import tensorflow  # noqa: F401

        return
    with tempfile.TemporaryFile() as captured:
        try:
            with _stderr_to(captured):
                import tensorflow  # noqa: F401
        except BaseException:
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise


@contextlib.contextmanager
def _stderr_to(file):
    """Redirects file descriptor 2, where C++ libraries write, into `file`."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
