"""Fashion-MNIST as a tf.data source from the best copy: Debian's IDX files, tfds or the bundle.

The arrays themselves are read by `training.data.fashion_mnist_files` (no TensorFlow there).

Reference:
- [Xiao et al., Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning
  Algorithms](https://arxiv.org/abs/1708.07747)
"""

import functools
import logging

import numpy as np
import tensorflow as tf

from training.data import fashion_mnist_files as files
from training.data import tfds_source
from training.data.source import Source
from training.data.source import check_split
from training.data.source import indexed_dataset

logger = logging.getLogger(__name__)


def find_source(data_dir=None, debian_dir=None):
    """The most complete Fashion-MNIST on this machine, without reading it.

    Prefers Debian's IDX files (all 70,000 images), then a copy prepared by
    tensorflow-datasets under `data_dir`, then the 10,000 images bundled in this package.
    """
    debian_dir = files.DEBIAN_DIR if debian_dir is None else debian_dir
    if files.has_debian_files(debian_dir):
        return debian_source(debian_dir)
    if tfds_source.prepared_path("fashion_mnist", data_dir) is not None:
        return tfds_copy_source(data_dir)
    return embedded_source(name="fashion_mnist")


def debian_source(directory=None):
    """Fashion-MNIST read from IDX files, as Debian's `dataset-fashion-mnist` installs them."""
    directory = files.DEBIAN_DIR if directory is None else directory
    return _array_source(
        files.debian_info(directory), functools.partial(files.load_debian, directory)
    )


def tfds_copy_source(data_dir=None):
    """Fashion-MNIST from a copy prepared by tensorflow-datasets under `data_dir`."""
    info = files.describe(
        "fashion_mnist",
        splits=files.SPLIT_SIZES,
        source=f"tensorflow-datasets fashion_mnist in {tfds_source.data_root(data_dir)}",
    )
    return _array_source(
        info, lambda parts: files.concatenate([_load_tfds_split(data_dir, p) for p in parts])
    )


def embedded_source(name="fashion_mnist_embedded"):
    """The 10,000 test images bundled in this package; every split name reads them."""
    return _array_source(files.embedded_info(name), lambda parts: files.load_embedded())


@functools.lru_cache(maxsize=4)
def _load_tfds_split(data_dir, split):
    import tensorflow_datasets as tfds

    builder = tfds_source.prepared_builder("fashion_mnist", data_dir)
    arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    images, labels = arrays["image"][..., 0], arrays["label"].astype(np.uint8)
    return files.read_only(images), files.read_only(labels)


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
