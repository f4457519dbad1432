import doctest
import importlib

import pytest

# The modules whose examples run without building a model or starting a child process.
_MODULES = (
    "benchmarks.cli",
    "benchmarks.harness.interleave",
    "benchmarks.harness.timing",
    "benchmarks.layers.flops",
    "benchmarks.reporting.formatting",
    "benchmarks.reporting.targets",
)


@pytest.mark.parametrize("name", _MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
