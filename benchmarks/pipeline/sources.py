"""The datasets the pipeline benchmark reads, and the temporary files two of them need.

Four are on every machine (`fashion_mnist_embedded`, `fashion_mnist`, `photos`); two are written
for the run into a temporary folder, from crops of scikit-image's photos so that they compress
like photographs rather than like noise:

- `folder`: an image folder of `count` files, PNG and JPEG alternately, `size`² pixels each.
- `tfds`: a tensorflow-datasets dataset of `count` PNG-encoded `size`² images with 10 labels,
  prepared offline by a `GeneratorBasedBuilder` (as `tfds build` would prepare one), read from
  its TFRecord files.
"""

import os

import numpy as np
import tensorflow as tf

from training.data import photo_crops

# name -> (description, resolution the model reads it at by default)
SOURCES = {
    "fashion_mnist_embedded": ("the 10,000 Fashion-MNIST images bundled in the package", 32),
    "fashion_mnist": (
        "Fashion-MNIST, the best copy on this machine (Debian's IDX files, else a tfds copy, "
        "else the bundled images: *read from* says which)",
        32,
    ),
    "photos": ("random crops of scikit-image's photos", 128),
    "folder": ("a folder of PNG and JPEG files written for the run", 64),
    "tfds": ("a tensorflow-datasets dataset prepared offline for the run (TFRecords of PNGs)", 32),
}
TFDS_NAME = "benchmark_pipeline_images"


def crops(count, size, seed=0):
    """`count` uint8 RGB crops `(size, size, 3)` of the bundled photos, resized."""
    rng = np.random.default_rng(seed)
    bank = photo_crops.load_photos()
    images = []
    for _ in range(count):
        photo = bank[rng.integers(len(bank))]
        side = int(rng.integers(min(photo.shape[:2]) // 4, min(photo.shape[:2]) + 1))
        top = int(rng.integers(photo.shape[0] - side + 1))
        left = int(rng.integers(photo.shape[1] - side + 1))
        crop = photo[top : top + side, left : left + side]
        resized = tf.image.resize(crop, (size, size), antialias=True)
        images.append(tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8).numpy())
    return images


def write_image_folder(folder, count, size):
    """Writes `count` images of `size`² pixels into `folder`, PNG and JPEG alternately."""
    os.makedirs(folder, exist_ok=True)
    for index, image in enumerate(crops(count, size)):
        if index % 2:
            encoded, suffix = tf.io.encode_jpeg(image, quality=90), "jpg"
        else:
            encoded, suffix = tf.io.encode_png(image), "png"
        tf.io.write_file(os.path.join(folder, f"{index:05d}.{suffix}"), encoded)
    return folder


def _builder_class():
    """The `GeneratorBasedBuilder` of `TFDS_NAME`, defined (and registered with tfds) once."""
    global _BUILDER
    if _BUILDER is not None:
        return _BUILDER
    import tensorflow_datasets as tfds

    class BenchmarkPipelineImages(tfds.core.GeneratorBasedBuilder):
        """Photo crops as a prepared tensorflow-datasets dataset; `count` and `size` are set by
        `prepare_tfds` before it prepares."""

        VERSION = tfds.core.Version("1.0.0")
        count, size = 0, 0

        def _info(self):
            features = tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(self.size, self.size, 3)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }
            )
            return tfds.core.DatasetInfo(
                builder=self, features=features, supervised_keys=("image", "label")
            )

        def _split_generators(self, dl_manager):
            del dl_manager  # Nothing to download.
            return {"train": self._generate_examples()}

        def _generate_examples(self):
            for index, image in enumerate(crops(self.count, self.size)):
                yield index, {"image": image, "label": index % 10}

    _BUILDER = BenchmarkPipelineImages
    return _BUILDER


_BUILDER = None


def prepare_tfds(data_dir, count, size):
    """Prepares `TFDS_NAME` under `data_dir` (offline) with `count` images of `size`²."""
    builder = _builder_class()
    builder.count, builder.size = count, size
    builder(data_dir=data_dir).download_and_prepare()
    return TFDS_NAME


def dataset_name(source, folder, *, count, size):
    """What `make_dataset` is given for `source`; writes the temporary files under `folder`.

    Returns:
        `(name, data_dir)`.
    """
    if source == "folder":
        return write_image_folder(os.path.join(folder, "images"), count, size), None
    if source == "tfds":
        data_dir = os.path.join(folder, "tfds")
        return prepare_tfds(data_dir, count, size), data_dir
    if source not in SOURCES:
        raise ValueError(f"`source` must be one of {sorted(SOURCES)}. Received: {source!r}")
    return source, None
