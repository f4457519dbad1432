"""The `Example:` sections of the JAX engine's docstrings run on JAX with TensorFlow absent, as
on the machines the engine is for (the other `training` modules' run in
tests/training/test_docstring_examples.py)."""

import json
import pkgutil

import training.engines.jax
from tests.training.no_tensorflow import run_without_tensorflow

MODULES = [
    module.name
    for module in pkgutil.walk_packages(
        training.engines.jax.__path__, prefix="training.engines.jax."
    )
]


def test_the_jax_engines_docstring_examples_run_without_tensorflow():
    result = run_without_tensorflow(
        f"""
        import doctest, importlib, json
        import keras, numpy as np
        failed, attempted = {{}}, 0
        for name in {MODULES!r}:
            module = importlib.import_module(name)
            keras.utils.set_random_seed(0)
            runner = doctest.DocTestRunner(
                optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
            )
            for test in doctest.DocTestFinder(exclude_empty=True).find(
                module, name, globs={{"keras": keras, "np": np}}
            ):
                test.globs.update(vars(module))
                runner.run(test)
            results = runner.summarize(verbose=False)
            attempted += results.attempted
            if results.failed:
                failed[name] = results.failed
        print("RESULTS", json.dumps({{"failed": failed, "attempted": attempted}}))
        """
    )
    line = [line for line in result.stdout.splitlines() if line.startswith("RESULTS ")][-1]
    results = json.loads(line[len("RESULTS "):])
    assert results["failed"] == {}, result.stdout[-4000:]
    # checkpoints, distribution, noise, options and state have examples: they must have run.
    assert results["attempted"] >= 10, results
