"""Fashion-MNIST's images as NumPy arrays, without TensorFlow: Debian's IDX files and the bundle.

Both input pipelines read them from here: the tf.data source (`training.data.fashion_mnist`) and
the JAX engine's NumPy input (`training.data.arrays`).

Reference:
- [Xiao et al., Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning
  Algorithms](https://arxiv.org/abs/1708.07747)
"""

import functools
import gzip
import importlib.resources
import os
import struct

import numpy as np

from training.data.info import DatasetError
from training.data.info import DatasetInfo

# Installed by Debian's `dataset-fashion-mnist` package (MIT, 31 MB).
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
EMBEDDED_FILE = "fashion_mnist_test.npz"
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# IDX type codes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"); data is big-endian.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read an IDX file (the MNIST format), gzip-compressed when its name ends in `.gz`.

    Args:
        path: path of the file.

    Returns:
        A numpy array of the file's shape, in native byte order.

    Raises:
        DatasetError: the file is not a well-formed IDX file.

    Example:

    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "two-images-idx3-ubyte")
    >>> header = bytes([0, 0, 0x08, 3]) + np.array([2, 28, 28], ">i4").tobytes()
    >>> _ = open(path, "wb").write(header + bytes(2 * 28 * 28))
    >>> images = read_idx(path)  # e.g. Debian's .../fashion-mnist/t10k-images-idx3-ubyte.gz
    >>> images.shape, images.dtype
    ((2, 28, 28), dtype('uint8'))
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as file:
        data = file.read()
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in _IDX_DTYPES:
        raise DatasetError(
            f"{path} is not an IDX file: it must start with two zero bytes and a type code "
            f"among {sorted(_IDX_DTYPES)}. Received header bytes: {list(data[:4])}"
        )
    dtype, rank = np.dtype(_IDX_DTYPES[data[2]]), data[3]
    header_size = 4 + 4 * rank
    shape = struct.unpack(f">{rank}I", data[4:header_size])
    expected_size = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header_size != expected_size:
        raise DatasetError(
            f"{path} declares shape {shape} ({expected_size} bytes of data) but holds "
            f"{len(data) - header_size} bytes after its header."
        )
    array = np.frombuffer(data, dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def has_debian_files(directory=None):
    """Whether `directory` (default `DEBIAN_DIR`, read when called) holds all four IDX files."""
    directory = DEBIAN_DIR if directory is None else directory
    return all(
        os.path.isfile(os.path.join(directory, file))
        for files in IDX_FILES.values()
        for file in files
    )


def debian_info(directory):
    """The `DatasetInfo` of Fashion-MNIST read from Debian's IDX files in `directory`."""
    return describe(
        "fashion_mnist",
        splits=SPLIT_SIZES,
        source=f"IDX files of Debian's dataset-fashion-mnist in {directory}",
    )


def embedded_info(name="fashion_mnist_embedded"):
    """The `DatasetInfo` of the 10,000 bundled images; every split name reads them.

    The bundle keeps the package small (4.4 MB) and works anywhere, offline; it is the original
    test split, so a "train" run on it trains on those 10,000 images.
    """
    return describe(
        name,
        splits={split: 10_000 for split in SPLIT_SIZES},
        source=f"the 10,000 test images bundled in training/data/{EMBEDDED_FILE}",
    )


def describe(name, *, splits, source):
    """The `DatasetInfo` of a copy of Fashion-MNIST with these splits, read from `source`."""
    return DatasetInfo(
        name=name,
        channels=1,
        num_classes=len(CLASS_NAMES),
        num_examples=splits["train"],
        native_resolution=28,
        splits=dict(splits),
        description="Fashion-MNIST: 28x28 grayscale images of clothes, 10 classes (Zalando, MIT).",
        source=source,
        class_names=CLASS_NAMES,
    )


def load_debian(directory, parts):
    """Images uint8 `(n, 28, 28)` and labels uint8 `(n,)` of the split `parts`, in order."""
    return concatenate([load_idx_split(directory, part) for part in parts])


@functools.lru_cache(maxsize=1)
def load_embedded():
    """The bundled arrays: images uint8 (10000, 28, 28) and labels uint8 (10000,)."""
    resource = importlib.resources.files(__package__) / EMBEDDED_FILE
    if not resource.is_file():
        raise DatasetError(
            f"The bundled Fashion-MNIST file {EMBEDDED_FILE} is missing from the installed "
            f"package. Rebuild it with `python -m training.data.build_fashion_mnist`."
        )
    with resource.open("rb") as file, np.load(file) as arrays:
        return read_only(arrays["images"]), read_only(arrays["labels"])


@functools.lru_cache(maxsize=4)
def load_idx_split(directory, split):
    """Images and labels of one split from the IDX files in `directory` (cached, read-only)."""
    images_file, labels_file = IDX_FILES[split]
    images = read_idx(os.path.join(directory, images_file))
    labels = read_idx(os.path.join(directory, labels_file))
    return read_only(images), read_only(labels)


def concatenate(arrays):
    """One `(images, labels)` pair of several, in order."""
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate([a for a, _ in arrays]), np.concatenate([b for _, b in arrays])


def read_only(array):
    """`array`, made read-only: the arrays are cached and shared, nobody may change them."""
    array.flags.writeable = False
    return array
