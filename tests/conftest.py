"""What the JAX and PyTorch runs of the README's test command leave to the TensorFlow run.

The README runs every test on TensorFlow, then tests/layers, tests/zoo, the docstring examples
and tests/examples again with `KERAS_BACKEND=jax` and `KERAS_BACKEND=torch`. A test marked
`backend_independent` checks nothing a backend computes (argument checks, configs, names,
architecture tables, the memory-limit harness): the TensorFlow run covers it, and the other runs
deselect it (pytest's summary counts it as "deselected").

Example:
    @pytest.mark.backend_independent
    def test_unknown_name_is_refused(): ...
"""

import keras


def pytest_collection_modifyitems(config, items):
    if keras.backend.backend() == "tensorflow":
        return
    deselected = [item for item in items if item.get_closest_marker("backend_independent")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("backend_independent")]
