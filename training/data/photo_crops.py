"""Random square crops of the RGB photos bundled with scikit-image, without TensorFlow.

scikit-image's wheel ships a few photos (astronaut 512², hubble_deep_field 872×1000,
retina 1411², ...). Square crops of random size and place, flipped at random and resized to the
model's resolution, give an endless stream of natural images for 64..256 px runs on a machine
without data or network. It is a smoke-test dataset, not a benchmark: eight photos.

The photos, their description and where a crop falls (`crop_window`) are defined here once, for
both input pipelines: the tf.data source (`training.data.photos`, TensorFlow's random numbers) and
the JAX engine's NumPy input (`training.data.arrays`, NumPy's).
"""

import dataclasses
import functools
import importlib.metadata
from typing import Callable

import numpy as np

from training.data.info import DatasetInfo

# The RGB photos of `skimage.data` stored in the wheel; the others download on first use.
PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "retina",
    "immunohistochemistry",
    "stereo_motorcycle",
)
# The stream never ends; an "epoch" of this many crops gives `repeat=False` and
# `DatasetInfo.num_examples` a finite meaning.
NOMINAL_EPOCH = 10_000
# Crops cover at least this fraction of a photo's short side (and at least the resolution, so
# they are not upsampled), at most all of it.
MIN_CROP_FRACTION = 0.25
# Uniform numbers in [0, 1) that `crop_window` turns into one crop.
DRAWS_PER_CROP = 5


def info():
    """The `DatasetInfo` of the `photos` dataset."""
    return DatasetInfo(
        name="photos",
        channels=3,
        num_classes=0,
        num_examples=NOMINAL_EPOCH,
        native_resolution=None,
        splits={"train": NOMINAL_EPOCH},
        description=(
            f"Random square crops (random size, place and flip) of {len(PHOTOS)} RGB photos; "
            f"an endless stream, {NOMINAL_EPOCH} crops make a nominal epoch."
        ),
        source=(
            f"photos bundled with scikit-image {importlib.metadata.version('scikit-image')}: "
            f"{', '.join(PHOTOS)}"
        ),
    )


@functools.lru_cache(maxsize=1)
def load_photos():
    """The bundled photos as uint8 arrays `(height, width, 3)`, in the order of `PHOTOS`."""
    import skimage.data

    photos = []
    for name in PHOTOS:
        photo = getattr(skimage.data, name)()
        # stereo_motorcycle is a (left, right, disparity) triple; keep the left view.
        photos.append(photo[0] if isinstance(photo, tuple) else photo)
    return photos


def photo_sizes():
    """`(heights, widths)`: int64 arrays of the photos' sizes, in the order of `PHOTOS`."""
    photos = load_photos()
    heights = np.array([photo.shape[0] for photo in photos], np.int64)
    widths = np.array([photo.shape[1] for photo in photos], np.int64)
    return heights, widths


def photo_bank():
    """All photos in one flat uint8 array (13 MB, no padding), their offsets, heights, widths."""
    photos = load_photos()
    flat = np.concatenate([photo.reshape(-1) for photo in photos])
    sizes = np.array([photo.size for photo in photos], np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return (flat, offsets, *photo_sizes())


@dataclasses.dataclass(frozen=True)
class CropOps:
    """The four operations `crop_window` needs, from NumPy or TensorFlow."""

    minimum: Callable
    maximum: Callable
    to_float32: Callable
    to_int64: Callable


NUMPY_OPS = CropOps(np.minimum, np.maximum, np.float32, np.int64)


def crop_window(draws, heights, widths, resolution, ops=NUMPY_OPS):
    """Where one crop falls, from `DRAWS_PER_CROP` float32 uniform numbers in [0, 1).

    The arithmetic is float32 and int64 in both libraries, so the same draws give the same
    window in NumPy and TensorFlow.

    Args:
        draws: the uniform numbers (a NumPy array or a tensor).
        heights, widths: the photos' sizes (`photo_sizes()`, as arrays or tensors).
        resolution: the model's resolution: crops are at least this large (or a whole short side).
        ops: `NUMPY_OPS`, or TensorFlow's (`training.data.photos`).

    Returns:
        `(photo, top, left, side, flip)`: the photo's index, the square's corner and side, and
        whether to mirror it left to right.

    Example:

    >>> heights, widths = np.array([100]), np.array([200])
    >>> photo, top, left, side, flip = crop_window(np.zeros(5, np.float32), heights, widths, 32)
    >>> int(photo), int(top), int(left), int(side), bool(flip)
    (0, 0, 0, 32, True)
    """

    def pick(draw, count):
        # An integer in [0, count), uniform.
        return ops.minimum(ops.to_int64(draw * ops.to_float32(count)), count - 1)

    photo = pick(draws[0], len(heights))
    height, width = heights[photo], widths[photo]
    short_side = ops.minimum(height, width)
    smallest = ops.to_int64(MIN_CROP_FRACTION * ops.to_float32(short_side))
    smallest = ops.minimum(short_side, ops.maximum(smallest, resolution))
    side = smallest + pick(draws[1], short_side - smallest + 1)
    top = pick(draws[2], height - side + 1)
    left = pick(draws[3], width - side + 1)
    return photo, top, left, side, draws[4] < 0.5
