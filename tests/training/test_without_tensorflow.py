"""What the JAX engine uses imports and runs with TensorFlow hidden, as on the GPU machines.

`tests.training.no_tensorflow.run_without_tensorflow` runs each snippet in a fresh interpreter
in which `import tensorflow` (and `tensorflow_datasets`, ...) fails, with `KERAS_BACKEND=jax`.
"""

import json

import pytest

from tests.training.no_tensorflow import run_without_tensorflow
from training.compare import read_scalars

# What the JAX engine imports; none of it may import TensorFlow, even lazily at import time.
TENSORFLOW_FREE_MODULES = (
    "keras_refined_sa",
    "zoo",
    "training.families",
    "training.data",
    "training.data.arrays",
    "training.monitoring",
    "training.monitoring.attention_pictures",
    "training.monitoring.event_writer",
)


def test_tensorflow_is_hidden_and_keras_runs_on_jax():
    result = run_without_tensorflow(
        """
        import json, os
        hidden = []
        for name in ("tensorflow", "tensorflow_datasets", "tensorflow.keras"):
            try:
                __import__(name)
            except ModuleNotFoundError:
                hidden.append(name)
        import keras
        print(json.dumps({"hidden": hidden, "backend": keras.backend.backend()}))
        """
    )
    assert json.loads(result.stdout) == {
        "hidden": ["tensorflow", "tensorflow_datasets", "tensorflow.keras"],
        "backend": "jax",
    }


def test_a_tensorflow_import_fails_the_snippet_with_its_output():
    with pytest.raises(AssertionError, match="No module named 'tensorflow'"):
        run_without_tensorflow("import training.data.pipeline")


def test_child_processes_are_without_tensorflow_too():
    result = run_without_tensorflow(
        """
        import subprocess, sys
        code = "import importlib.util as u; print(u.find_spec('tensorflow'))"
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print(child.returncode, child.stdout.strip())
        """
    )
    assert result.stdout.split() == ["0", "None"]


def test_the_engines_modules_import_without_tensorflow():
    # One interpreter for all (each costs seconds of start-up): every import must succeed, and
    # none may leave a TensorFlow module behind.
    result = run_without_tensorflow(
        f"""
        import importlib, json, sys, traceback
        problems = {{}}
        for module in {list(TENSORFLOW_FREE_MODULES)!r}:
            try:
                importlib.import_module(module)
            except Exception:
                problems[module] = traceback.format_exc(limit=-3)
        problems.update(
            (name, "imported") for name in sys.modules if name.startswith("tensorflow")
        )
        print(json.dumps(problems))
        """
    )
    assert json.loads(result.stdout) == {}


def test_batches_and_event_files_are_made_without_tensorflow(tmp_path):
    result = run_without_tensorflow(
        f"""
        import json
        import numpy as np
        from training.data.arrays import BatchIterator
        from training.families.pictures import image_grid
        from training.monitoring.event_writer import EventWriter

        shapes = {{}}
        for name in ("fashion_mnist", "photos"):
            with BatchIterator(name, resolution=32, batch_size=4, channels=3) as batches:
                images, labels = next(batches)
            shapes[name] = [list(images.shape), str(images.dtype), list(labels.shape)]
        writer = EventWriter({str(tmp_path)!r})
        writer.hparams({{"model": "sagan_refined"}})
        writer.scalars({{"losses/d_loss": float(np.abs(images).mean())}}, step=3)
        writer.image("samples/ema_generator", image_grid(images), step=3)
        writer.close()
        print(json.dumps(shapes))
        """
    )
    assert json.loads(result.stdout) == {
        "fashion_mnist": [[4, 32, 32, 3], "float32", [4]],
        "photos": [[4, 32, 32, 3], "float32", [4]],
    }
    ((step, value),) = read_scalars(str(tmp_path))["losses/d_loss"]
    assert step == 3 and 0.0 < value <= 1.0
