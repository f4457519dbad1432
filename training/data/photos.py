"""Random crops of the RGB photos bundled with scikit-image: real high-resolution images offline.

scikit-image's wheel ships a few photos (astronaut 512², hubble_deep_field 872×1000,
retina 1411², ...). Square crops of random size and place, flipped at random and resized to the
model's resolution, give an endless stream of natural images for 64..256 px runs on a machine
without data or network. It is a smoke-test dataset, not a benchmark: eight photos.
"""

import functools
import importlib.metadata

import numpy as np
import tensorflow as tf

from training.data.source import DatasetInfo
from training.data.source import Source
from training.data.source import check_split
from training.data.source import element_indices
from training.data.source import with_symbolic_checkpoint

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


def source():
    """The `photos` dataset: random square crops of scikit-image's bundled photos."""
    info = DatasetInfo(
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

    def read(request):
        # `request.shuffle` changes nothing: every crop is drawn at random already.
        check_split(info, request.split)
        crop = functools.partial(
            _random_crop, *_photo_bank(), resolution=request.resolution, seed=request.seed
        )
        indices = element_indices(NOMINAL_EPOCH, request)
        return with_symbolic_checkpoint(indices.map(crop, num_parallel_calls=tf.data.AUTOTUNE))

    return Source(info=info, read=read)


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


def _photo_bank():
    """All photos in one flat uint8 tensor (13 MB, no padding) with their offsets and sizes."""
    photos = load_photos()
    flat = np.concatenate([photo.reshape(-1) for photo in photos])
    sizes = np.array([photo.size for photo in photos], np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    heights = np.array([photo.shape[0] for photo in photos], np.int64)
    widths = np.array([photo.shape[1] for photo in photos], np.int64)
    return tuple(tf.constant(array) for array in (flat, offsets, heights, widths))


def _random_crop(flat, offsets, heights, widths, index, *, resolution, seed):
    """Crop number `index` of the stream: a function of `(seed, index)` only."""
    draws = tf.random.stateless_uniform([5], seed=tf.stack([tf.constant(seed, tf.int64), index]))

    def pick(draw, count):
        # An integer in [0, count), uniform.
        return tf.minimum(tf.cast(draw * tf.cast(count, tf.float32), tf.int64), count - 1)

    photo = pick(draws[0], tf.shape(offsets, out_type=tf.int64)[0])
    height, width = heights[photo], widths[photo]
    short_side = tf.minimum(height, width)
    smallest = tf.cast(MIN_CROP_FRACTION * tf.cast(short_side, tf.float32), tf.int64)
    smallest = tf.minimum(short_side, tf.maximum(smallest, resolution))
    side = smallest + pick(draws[1], short_side - smallest + 1)
    top = pick(draws[2], height - side + 1)
    left = pick(draws[3], width - side + 1)
    start = offsets[photo]
    pixels = tf.reshape(flat[start : start + height * width * 3], tf.stack([height, width, 3]))
    image = pixels[top : top + side, left : left + side]
    image = tf.cond(draws[4] < 0.5, lambda: tf.reverse(image, axis=[1]), lambda: image)
    return image, tf.constant(0, tf.int32)
