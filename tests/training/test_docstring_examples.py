"""The `Example:` sections of the `training` package's docstrings run, and print what they say."""

import doctest
import importlib
import pkgutil

import keras
import numpy as np
import pytest
import tensorflow as tf

import training

MODULES = [
    module.name
    for module in pkgutil.walk_packages(training.__path__, prefix="training.")
    # The commands' __main__ guards would parse pytest's arguments. The JAX engine's examples
    # run on JAX without TensorFlow (tests/training/engines/jax/test_docstring_examples.py).
    if not module.name.endswith("__main__") and not module.name.startswith("training.engines.jax")
]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    keras.utils.set_random_seed(0)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name, globs={"keras": keras, "np": np, "tf": tf}):
        test.globs.update(vars(module))
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed"
