"""Where the training images come from: one module per kind of source, plus the bundled data.

`training.data` is the public entry point; the modules here each turn one kind of source into an
unbatched `tf.data.Dataset` of `(uint8 image, int32 label)` pairs:

- `fashion_mnist`: Fashion-MNIST from Debian's IDX files, a prepared tensorflow-datasets copy or
  the 10,000 images bundled in this package (`fashion_mnist_test.npz`, MIT, see
  `FASHION_MNIST_LICENSE.txt`).
- `photos`: random crops of the RGB photos bundled with scikit-image.
- `image_folder`: a folder of image files, optionally one subfolder per class.
- `tfds_source`: any dataset already prepared by tensorflow-datasets.
"""
