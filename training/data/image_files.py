"""A folder of image files, listed and checked without TensorFlow.

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

Both input pipelines list and check folders here: the tf.data source
(`training.data.image_folder`, which decodes with TensorFlow) and the JAX engine's NumPy input
(`training.data.arrays`, which decodes with Pillow, `decode_rgb`).
"""

import os
import sys

import numpy as np

from training.data.info import DatasetError
from training.data.info import DatasetInfo

# The formats both decoders read.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# Folders whose image files total at most this many bytes are decoded in full before training
# (measured with TensorFlow's decoder: about 60 MB of PNG / JPEG per second on 2 CPU cores, so
# at most about 5 s); larger ones get a header check (about 0.25 ms per file).
FULL_CHECK_BYTES = 256 * 2**20
# Results of `unreadable_images` by (path, size, mtime) of every file and the decoder's check:
# each run checks once.
_checked = {}


def folder_contents(folder, decode_problems):
    """The readable images under `folder`: `(paths, labels, info)`.

    Args:
        folder: the folder (`~` expanded).
        decode_problems: `paths -> {path: reason}` of a full decode with the pipeline's own
            decoder (see `unreadable_images`).

    Raises:
        DatasetError: the folder holds no image file, or none that can be decoded.
    """
    folder = os.path.abspath(os.path.expanduser(os.fspath(folder)))
    paths, labels, class_names = list_images(folder)
    if not paths:
        raise DatasetError(
            f"The folder {folder} holds no images: looked for files ending in "
            f"{', '.join(IMAGE_EXTENSIONS)} (any case) in it and its subfolders."
        )
    bad = unreadable_images(paths, folder, decode_problems)
    if bad:
        if len(bad) == len(paths):
            raise DatasetError(
                f"None of the {len(paths)} image files under {folder} can be decoded: "
                f"{listing(bad)}."
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
    return paths, labels, info


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


def unreadable_images(paths, folder, decode_problems):
    """`{path: reason}` of the image files the data pipeline could not decode.

    Every file is checked before training starts, so that a corrupt or empty file is named
    here rather than crashing a run in the middle without its name. Folders up to
    `FULL_CHECK_BYTES` are decoded in full with `decode_problems` (the pipeline's own decoder);
    larger ones get a header check (the file opens as an image of a known size). The result is
    cached for unchanged files and the warning, naming and counting the skipped files, printed
    once.
    """
    stats = [os.stat(path) for path in paths]
    key = (
        tuple((path, stat.st_size, stat.st_mtime_ns) for path, stat in zip(paths, stats)),
        decode_problems,
    )
    if key not in _checked:
        total = sum(stat.st_size for stat in stats)
        check = decode_problems if total <= FULL_CHECK_BYTES else header_problems
        bad = check(paths)
        _checked[key] = bad
        if bad and len(bad) < len(paths):
            print(
                f"warning: skipping {len(bad)} of {len(paths)} image files under "
                f"{folder or 'the folder'} that cannot be decoded: {listing(bad)}.",
                file=sys.stderr,
            )
    return _checked[key]


def header_problems(paths):
    """`{path: reason}` of the files that do not open as an image of a known size (Pillow)."""
    return _problems(paths, full=False)


def pillow_decode_problems(paths):
    """`{path: reason}` of the files Pillow cannot decode in full (`decode_rgb`)."""
    return _problems(paths, full=True)


def _problems(paths, *, full):
    from PIL import Image

    bad = {}
    for path in paths:
        try:
            if os.path.getsize(path) == 0:
                raise ValueError("empty file")
            with Image.open(path) as image:
                width, height = image.size
                if full:
                    image.load()
            if not width or not height:
                raise ValueError("empty image")
        except Exception as error:
            bad[path] = reason(path, error)
    return bad


def decode_rgb(path):
    """The image file at `path` as uint8 `(height, width, 3)`, decoded by Pillow.

    Grayscale becomes RGB and RGBA loses alpha, as TensorFlow's `decode_image(channels=3)`
    does; an animated GIF gives its first frame.
    """
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def reason(path, error):
    """One line on why `path` cannot be read."""
    if os.path.getsize(path) == 0:
        return "empty file"
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text.strip().splitlines()[0][:120]


def listing(bad, limit=10):
    """`bad` (`{path: reason}`) as one line, at most `limit` files named."""
    shown = [f"{path} ({why})" for path, why in list(bad.items())[:limit]]
    more = len(bad) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
