"""Run Python code as on a machine without TensorFlow: `run_without_tensorflow(code)`.

The GPU machines this project is lent have JAX but no TensorFlow, so the JAX engine and what it
imports must work without it. This machine has TensorFlow installed; `run_without_tensorflow`
hides it: the code runs in a fresh interpreter whose path finder finds no `tensorflow` and no
module whose name starts with `tensorflow` (`tensorflow_datasets`, ...), with
`KERAS_BACKEND=jax`. As on a machine without it, `import tensorflow` raises
`ModuleNotFoundError` and `importlib.util.find_spec("tensorflow")` returns None (orbax, through
etils, asks the latter). The finder is installed by a `sitecustomize.py` in a temporary folder
put first on `PYTHONPATH`, so child processes the code starts (`python -m training.run ...`)
are without TensorFlow too.

Libraries that import TensorFlow optionally (`tensorboard` falls back to its own stub) see it
as not installed, exactly as on the GPU machines.

Example (in a test):

    from tests.training.no_tensorflow import run_without_tensorflow

    def test_training_runs_without_tensorflow(tmp_path):
        run_without_tensorflow(
            f"from training.run import main; assert main(['--logdir', {str(tmp_path)!r}]) == 0"
        )
"""

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Written as the temporary folder's `sitecustomize.py`: Python imports it at start-up.
HIDING_SITECUSTOMIZE = textwrap.dedent(
    '''
    """Makes TensorFlow absent (tests/training/no_tensorflow.py)."""
    import importlib.machinery
    import sys


    class _PathFinderWithoutTensorFlow(importlib.machinery.PathFinder):
        @classmethod
        def find_spec(cls, name, path=None, target=None):
            if name.split(".")[0].startswith("tensorflow"):
                return None
            return super().find_spec(name, path, target)


    sys.meta_path[:] = [
        _PathFinderWithoutTensorFlow if finder is importlib.machinery.PathFinder else finder
        for finder in sys.meta_path
    ]
    '''
)


def run_without_tensorflow(code, *, env=None, cwd=None, timeout=600, check=True):
    """Runs `code` with `python -c` in a fresh interpreter where TensorFlow cannot be imported.

    Args:
        code: Python source to run (it is dedented first).
        env: extra environment variables, on top of this process's environment with
            `KERAS_BACKEND=jax` and the hiding `PYTHONPATH`.
        cwd: working directory; default the repository root (so `training` and `zoo` import).
        timeout: seconds before the child is killed (`subprocess.TimeoutExpired`).
        check: raise `AssertionError` with the child's output when it exits non-zero.

    Returns:
        The `subprocess.CompletedProcess`, with `stdout` and `stderr` as text.

    Example:

    >>> result = run_without_tensorflow("import tensorboard; print('ok')")
    >>> result.stdout
    'ok\\n'
    """
    with tempfile.TemporaryDirectory(prefix="no_tensorflow_") as folder:
        Path(folder, "sitecustomize.py").write_text(HIDING_SITECUSTOMIZE, encoding="utf-8")
        python_path = [folder, str(ROOT), os.environ.get("PYTHONPATH", "")]
        child_env = {
            **os.environ,
            "KERAS_BACKEND": "jax",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **(env or {}),
            "PYTHONPATH": os.pathsep.join(part for part in python_path if part),
        }
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            env=child_env,
            cwd=cwd or ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if check and result.returncode != 0:
        raise AssertionError(
            f"The code exited with {result.returncode} with TensorFlow hidden.\n"
            f"--- code ---\n{textwrap.dedent(code)}\n"
            f"--- stdout (end) ---\n{result.stdout[-3000:]}\n"
            f"--- stderr (end) ---\n{result.stderr[-5000:]}"
        )
    return result
