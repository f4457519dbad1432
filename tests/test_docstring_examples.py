"""The `Example:` sections of the library's and the zoo's docstrings run, and print what they say."""

import doctest
import importlib
import pkgutil

import keras
import numpy as np
import pytest

import keras_refined_sa
import zoo


def modules_of(package):
    yield package.__name__
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        yield module.name


MODULES = [name for package in (keras_refined_sa, zoo) for name in modules_of(package)]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name, monkeypatch):
    # Examples may register models: they must not leak into the registry other tests iterate.
    monkeypatch.setattr(zoo.registry, "_REGISTRY", dict(zoo.registry._REGISTRY))
    module = importlib.import_module(module_name)
    keras.utils.set_random_seed(0)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name, globs={"keras": keras, "np": np}):
        test.globs.update(vars(module))
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed"
