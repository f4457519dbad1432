"""Training images from any source, in one form: `make_dataset`, `dataset_info`.

`pipeline` turns a dataset name into batched model inputs; the other modules each turn one kind of
source into an unbatched `tf.data.Dataset` of `(uint8 image, int32 label)` pairs:

- `fashion_mnist`: Fashion-MNIST from Debian's IDX files, a prepared tensorflow-datasets copy or
  the 10,000 images bundled in this package (`fashion_mnist_test.npz`, MIT, see
  `FASHION_MNIST_LICENSE.txt`; `build_fashion_mnist` rebuilds it).
- `photos`: random crops of the RGB photos bundled with scikit-image.
- `image_folder`: a folder of image files, optionally one subfolder per class.
- `tfds_source`: any dataset already prepared by tensorflow-datasets.
- `source`: what they share: the `ReadRequest` and the `Source` they return.
- `info`: `DatasetError`, `DatasetInfo` and the argument checks, without TensorFlow.
- `arrays`: the built-in datasets and folders as NumPy batches, without TensorFlow (the JAX
  engine's input), preprocessed by `model_images`.
- `fashion_mnist_files`, `photo_crops`, `image_files`: what both pipelines read, without
  TensorFlow: Fashion-MNIST's arrays, the photo bank and its crops, a folder's checked files.

See docs/data.md for how to provide each one.
"""

import importlib

from training.data.info import DatasetError
from training.data.info import DatasetInfo

# The tf.data pipeline imports TensorFlow: it loads on first use, so that `training.data.arrays`
# (the JAX engine's NumPy input) imports on machines without TensorFlow.
_PIPELINE = ("available_datasets", "dataset_info", "make_dataset")

__all__ = ["DatasetError", "DatasetInfo", "available_datasets", "dataset_info", "make_dataset"]


def __getattr__(name):
    if name in _PIPELINE:
        return getattr(importlib.import_module("training.data.pipeline"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
