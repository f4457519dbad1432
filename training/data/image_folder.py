"""A folder of image files as a dataset; one subfolder per class gives labels.

Layouts:

```
faces/                     unlabeled: every image anywhere under the folder, label 0
    0001.jpg
    more/0002.png
pets/                      labeled: one subfolder per class, classes in sorted order
    cat/0001.jpg           label 0
    dog/0001.jpg           label 1
```

A folder counts as labeled when it holds no image directly and its images all sit in
subfolders.
"""

import os

import tensorflow as tf

from training.data.source import DatasetError
from training.data.source import DatasetInfo
from training.data.source import Source
from training.data.source import check_split
from training.data.source import indexed_dataset

# The formats `tf.io.decode_image` reads.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def source(folder):
    """The `Source` of the images under `folder` (listed now, read when iterated).

    Raises:
        DatasetError: the folder holds no image file.
    """
    folder = os.path.abspath(os.path.expanduser(os.fspath(folder)))
    paths, labels, class_names = list_images(folder)
    if not paths:
        raise DatasetError(
            f"The folder {folder} holds no images: looked for files ending in "
            f"{', '.join(IMAGE_EXTENSIONS)} (any case) in it and its subfolders."
        )
    info = DatasetInfo(
        name=folder,
        channels=3,
        num_classes=len(class_names),
        num_examples=len(paths),
        native_resolution=None,
        splits={"train": len(paths)},
        description=f"{len(paths)} images from {folder}"
        + (f" in {len(class_names)} classes" if class_names else ""),
        source=f"image files under {folder}",
        class_names=tuple(class_names),
    )

    def read(request):
        check_split(info, request.split)
        path_tensor, label_tensor = tf.constant(paths), tf.constant(labels, tf.int32)

        def load_example(position):
            encoded = tf.io.read_file(tf.gather(path_tensor, position))
            # Grayscale images become RGB and RGBA loses alpha: every image has 3 channels.
            image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
            return image, tf.gather(label_tensor, position)

        return indexed_dataset(len(paths), load_example, request)

    return Source(info=info, read=read)


def list_images(folder):
    """Image paths under `folder` in a fixed order, their labels, and the class names.

    Returns:
        `(paths, labels, class_names)`: labels are the index of an image's class subfolder, or
        all 0 with no class names when the folder is unlabeled.
    """
    paths = []
    for root, directories, files in os.walk(folder):
        directories.sort()  # A fixed walk order: the same seed gives the same images.
        paths.extend(os.path.join(root, file) for file in sorted(files) if _is_image(file))
    top_level = [os.path.relpath(path, folder).split(os.sep) for path in paths]
    if not paths or any(len(parts) == 1 for parts in top_level):
        return paths, [0] * len(paths), []
    class_names = sorted({parts[0] for parts in top_level})
    label_of = {name: label for label, name in enumerate(class_names)}
    labels = [label_of[parts[0]] for parts in top_level]
    return paths, labels, class_names


def _is_image(file):
    return file.lower().endswith(IMAGE_EXTENSIONS) and not file.startswith(".")
