"""What a dataset is and what may be asked of it, known without reading it or importing TensorFlow.

Shared by the tf.data pipeline (`training.data.pipeline` and its sources) and the NumPy input of
the JAX engine (`training.data.arrays`).
"""

import dataclasses
import numbers

MIN_RESOLUTION, MAX_RESOLUTION = 16, 512
# ITU-R BT.601 luma. They sum to exactly 1, so white stays white (tf.image.rgb_to_grayscale's
# 0.2989 + 0.587 + 0.114 turns 255 into 254.97).
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


class DatasetError(ValueError):
    """A dataset that cannot be used: unknown, not on this machine, or asked for the wrong way."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a dataset holds, known without reading its images.

    Attributes:
        name: the name or folder the dataset was asked for by.
        channels: channels of the stored images (1 or 3); `make_dataset(channels=None)` keeps them.
        num_classes: number of classes, 0 when the images have no labels.
        num_examples: images in the `"train"` split (all splits if it has none): one epoch.
        native_resolution: side of the stored images when they are all square and of one size,
            else None.
        splits: split name -> number of images.
        description: one line on what the images are.
        source: where the images come from on this machine (a path, a package, a tfds version).
        class_names: the label names, in label order; empty when unlabeled or unknown.
    """

    name: str
    channels: int
    num_classes: int
    num_examples: int
    native_resolution: int | None
    splits: dict
    description: str
    source: str
    class_names: tuple = ()


def check_split(info, split, *, slicing=False):
    """Return the parts of a split such as `"train"` or `"train+test"`, after checking each one.

    Args:
        info: the dataset's `DatasetInfo`.
        split: split names joined by `+`.
        slicing: whether parts may carry a tensorflow-datasets slice such as `"train[:10%]"`.

    Raises:
        DatasetError: a part names no split of the dataset.

    Example:

    >>> info = DatasetInfo("demo", 1, 0, 4, 28, {"train": 4, "test": 2}, "", "")
    >>> check_split(info, "train+test")
    ['train', 'test']
    """
    parts = split.split("+") if isinstance(split, str) else [split]
    for part in parts:
        name = part.split("[")[0] if slicing and isinstance(part, str) else part
        if name not in info.splits:
            allowed = ", ".join(sorted(info.splits))
            raise DatasetError(
                f"Dataset {info.name!r} has no split {part!r}. Received: split={split!r}; "
                f"available: {allowed} (join several with '+', e.g. 'train+test')."
            )
    return parts


def heldout_split(info):
    """`(split, shuffle)` of the held-out images: the test split, else a reshuffled train.

    Example:

    >>> heldout_split(DatasetInfo("demo", 1, 0, 4, 28, {"train": 4}, "", ""))
    ('train', True)
    """
    for split in ("test", "validation"):
        if split in info.splits:
            return split, False
    # No held-out split: another seed's stream of the training data.
    return "train", True


def check_arguments(*, resolution, batch_size, channels, seed, **counts):
    """Check the arguments every input pipeline takes; `counts` must be non-negative integers.

    Raises:
        DatasetError: naming the first bad argument and its value.

    Example:

    >>> check_arguments(resolution=32, batch_size=8, channels=None, seed=0, initial_step=0)
    >>> try:
    ...     check_arguments(resolution=8, batch_size=8, channels=None, seed=0)
    ... except DatasetError as error:
    ...     print(error)
    `resolution` must be an integer from 16 to 512. Received: resolution=8
    """
    if not is_int(resolution) or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise DatasetError(
            f"`resolution` must be an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}. "
            f"Received: resolution={resolution!r}"
        )
    if not is_int(batch_size) or batch_size < 1:
        raise DatasetError(
            f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
        )
    if channels not in (None, 1, 3) or isinstance(channels, bool):
        raise DatasetError(
            f"`channels` must be 1, 3 or None (the dataset's own). Received: channels={channels!r}"
        )
    if not is_int(seed):
        raise DatasetError(f"`seed` must be an integer. Received: seed={seed!r}")
    for name, value in counts.items():
        if not is_int(value) or value < 0:
            raise DatasetError(
                f"`{name}` must be a non-negative integer. Received: {name}={value!r}"
            )


def is_int(value):
    """Whether `value` is an integer (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
