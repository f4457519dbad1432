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
subfolders. Files that cannot be decoded (corrupt, truncated, empty) are found before training
and skipped with a warning naming them; a folder of only such files is an error.
"""

import os
import sys

import tensorflow as tf

from training.data.source import DatasetError
from training.data.source import DatasetInfo
from training.data.source import Source
from training.data.source import check_split
from training.data.source import indexed_dataset

# The formats `tf.io.decode_image` reads.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# Folders whose image files total at most this many bytes are decoded in full before training
# (measured: about 60 MB of PNG / JPEG per second on 2 CPU cores, so at most about 5 s); larger
# ones get a header check (about 0.25 ms per file).
FULL_CHECK_BYTES = 256 * 2**20
# Results of `unreadable_images` by (path, size, mtime) of every file: each run checks once.
_checked = {}


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
    bad = unreadable_images(paths, folder)
    if bad:
        if len(bad) == len(paths):
            raise DatasetError(
                f"None of the {len(paths)} image files under {folder} can be decoded: "
                f"{_listing(bad)}."
            )
        kept = [(path, label) for path, label in zip(paths, labels) if path not in bad]
        paths, labels = [path for path, _ in kept], [label for _, label in kept]
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
            image = _decode(tf.io.read_file(tf.gather(path_tensor, position)))
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


def unreadable_images(paths, folder=None):
    """`{path: reason}` of the image files the data pipeline could not decode.

    Every file is checked before training starts, so that a corrupt or empty file is named
    here rather than crashing a run in the middle, inside TensorFlow, without its name. Folders
    up to `FULL_CHECK_BYTES` are decoded in full with the pipeline's own decoder; larger ones
    get a header check (the file opens as an image of a known size). The result is cached for
    unchanged files and the warning, naming and counting the skipped files, printed once.
    """
    stats = [os.stat(path) for path in paths]
    key = tuple((path, stat.st_size, stat.st_mtime_ns) for path, stat in zip(paths, stats))
    if key not in _checked:
        total = sum(stat.st_size for stat in stats)
        check = _decode_problems if total <= FULL_CHECK_BYTES else _header_problems
        bad = check(paths)
        _checked[key] = bad
        if bad and len(bad) < len(paths):
            print(
                f"warning: skipping {len(bad)} of {len(paths)} image files under "
                f"{folder or 'the folder'} that cannot be decoded: {_listing(bad)}.",
                file=sys.stderr,
            )
    return _checked[key]


def _decode_problems(paths):
    """Full decode of every file with `tf.io.decode_image`, in parallel; errors are skipped
    and the files that failed decoded once more, alone, for their message."""

    @tf.autograph.experimental.do_not_convert
    def decode(path):
        image = _decode(tf.io.read_file(path))
        return path, tf.size(image)

    dataset = tf.data.Dataset.from_tensor_slices(paths).map(
        decode, num_parallel_calls=tf.data.AUTOTUNE
    )
    decoded = {
        path.decode(): size
        for path, size in dataset.ignore_errors().as_numpy_iterator()
    }
    bad = {}
    for path in paths:
        if decoded.get(path, 0) > 0:
            continue
        try:
            _decode(tf.io.read_file(path))
            bad[path] = "empty image"
        except (tf.errors.OpError, ValueError) as error:
            bad[path] = _reason(path, error)
    return bad


def _header_problems(paths):
    from PIL import Image

    bad = {}
    for path in paths:
        try:
            if os.path.getsize(path) == 0:
                raise ValueError("empty file")
            with Image.open(path) as image:
                width, height = image.size
            if not width or not height:
                raise ValueError("empty image")
        except Exception as error:
            bad[path] = _reason(path, error)
    return bad


def _decode(encoded):
    # Grayscale images become RGB and RGBA loses alpha: every image has 3 channels.
    return tf.io.decode_image(encoded, channels=3, expand_animations=False)


def _reason(path, error):
    if os.path.getsize(path) == 0:
        return "empty file"
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text.strip().splitlines()[0][:120]


def _listing(bad, limit=10):
    shown = [f"{path} ({reason})" for path, reason in list(bad.items())[:limit]]
    more = len(bad) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
