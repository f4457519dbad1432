"""Training images from any source, in one form: `make_dataset`, `dataset_info`.

`pipeline` turns a dataset name into batched model inputs; the other modules each turn one kind of
source into an unbatched `tf.data.Dataset` of `(uint8 image, int32 label)` pairs:

- `fashion_mnist`: Fashion-MNIST from Debian's IDX files, a prepared tensorflow-datasets copy or
  the 10,000 images bundled in this package (`fashion_mnist_test.npz`, MIT, see
  `FASHION_MNIST_LICENSE.txt`; `build_fashion_mnist` rebuilds it).
- `photos`: random crops of the RGB photos bundled with scikit-image.
- `image_folder`: a folder of image files, optionally one subfolder per class.
- `tfds_source`: any dataset already prepared by tensorflow-datasets.
- `source`: what they share: `DatasetError`, `DatasetInfo` and the `Source` they return.

See docs/data.md for how to provide each one.
"""

from training.data.pipeline import available_datasets
from training.data.pipeline import dataset_info
from training.data.pipeline import make_dataset
from training.data.source import DatasetError
from training.data.source import DatasetInfo

__all__ = ["DatasetError", "DatasetInfo", "available_datasets", "dataset_info", "make_dataset"]
