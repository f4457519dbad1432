"""Fashion-MNIST from the best copy here: Debian's IDX files, tfds, or the bundled 10,000 images.

Reference:
- [Xiao et al., Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning
  Algorithms](https://arxiv.org/abs/1708.07747)
"""

import functools
import gzip
import importlib.resources
import logging
import os
import struct

import numpy as np
import tensorflow as tf

from training.data import tfds_source
from training.data.source import DatasetError
from training.data.source import DatasetInfo
from training.data.source import Source
from training.data.source import check_split
from training.data.source import indexed_dataset

logger = logging.getLogger(__name__)

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


def find_source(data_dir=None, debian_dir=None):
    """The most complete Fashion-MNIST on this machine, without reading it.

    Prefers Debian's IDX files (all 70,000 images), then a copy prepared by
    tensorflow-datasets under `data_dir`, then the 10,000 images bundled in this package.
    """
    debian_dir = DEBIAN_DIR if debian_dir is None else debian_dir
    if all(
        os.path.isfile(os.path.join(debian_dir, file))
        for files in IDX_FILES.values()
        for file in files
    ):
        return debian_source(debian_dir)
    if tfds_source.prepared_path("fashion_mnist", data_dir) is not None:
        return tfds_copy_source(data_dir)
    return embedded_source(name="fashion_mnist")


def debian_source(directory=DEBIAN_DIR):
    """Fashion-MNIST read from IDX files, as Debian's `dataset-fashion-mnist` installs them."""
    info = _info(
        "fashion_mnist",
        splits=SPLIT_SIZES,
        source=f"IDX files of Debian's dataset-fashion-mnist in {directory}",
    )
    return _array_source(info, functools.partial(_concatenate, _load_idx_split, directory))


def tfds_copy_source(data_dir=None):
    """Fashion-MNIST from a copy prepared by tensorflow-datasets under `data_dir`."""
    info = _info(
        "fashion_mnist",
        splits=SPLIT_SIZES,
        source=f"tensorflow-datasets fashion_mnist in {tfds_source.data_root(data_dir)}",
    )
    return _array_source(info, functools.partial(_concatenate, _load_tfds_split, data_dir))


def embedded_source(name="fashion_mnist_embedded"):
    """The 10,000 test images bundled in this package; every split name reads them.

    The bundle keeps the package small (4.4 MB) and works anywhere, offline; it is the original
    test split, so a "train" run on it trains on those 10,000 images.
    """
    info = _info(
        name,
        splits={split: 10_000 for split in SPLIT_SIZES},
        source=f"the 10,000 test images bundled in training/data/{EMBEDDED_FILE}",
    )
    return _array_source(info, lambda parts: load_embedded())


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
        return _read_only(arrays["images"]), _read_only(arrays["labels"])


@functools.lru_cache(maxsize=4)
def _load_idx_split(directory, split):
    images_file, labels_file = IDX_FILES[split]
    images = read_idx(os.path.join(directory, images_file))
    labels = read_idx(os.path.join(directory, labels_file))
    return _read_only(images), _read_only(labels)


@functools.lru_cache(maxsize=4)
def _load_tfds_split(data_dir, split):
    import tensorflow_datasets as tfds

    builder = tfds_source.prepared_builder("fashion_mnist", data_dir)
    arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    return _read_only(arrays["image"][..., 0]), _read_only(arrays["label"].astype(np.uint8))


def _concatenate(load_split, location, parts):
    arrays = [load_split(location, part) for part in parts]
    return np.concatenate([a for a, _ in arrays]), np.concatenate([b for _, b in arrays])


def _read_only(array):
    # The arrays are cached and shared between datasets: nobody may change them in place.
    array.flags.writeable = False
    return array


def _info(name, *, splits, source):
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


def _array_source(info, load):
    """A `Source` over in-memory arrays; `load(split_parts)` returns `(images, labels)`."""

    def read(request):
        images, labels = load(check_split(info, request.split))
        logger.info(
            "%s split %r: %d images from %s", info.name, request.split, len(images), info.source
        )
        images = tf.constant(images[..., None])
        labels = tf.constant(labels.astype(np.int32))

        def load_example(position):
            return tf.gather(images, position), tf.gather(labels, position)

        return indexed_dataset(len(labels), load_example, request)

    return Source(info=info, read=read)
