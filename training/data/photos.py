"""The `photos` dataset as a tf.data source: random crops of scikit-image's bundled photos.

The photos and where each crop falls are defined in `training.data.photo_crops` (no TensorFlow
there); this module draws the crops with TensorFlow's stateless random numbers.
"""

import functools

import tensorflow as tf

from training.data import photo_crops
from training.data.source import Source
from training.data.source import check_split
from training.data.source import element_indices
from training.data.source import with_symbolic_checkpoint

_TF_OPS = photo_crops.CropOps(
    minimum=tf.minimum,
    maximum=tf.maximum,
    to_float32=lambda value: tf.cast(value, tf.float32),
    to_int64=lambda value: tf.cast(value, tf.int64),
)


def source():
    """The `photos` dataset: random square crops of scikit-image's bundled photos."""
    info = photo_crops.info()

    def read(request):
        # `request.shuffle` changes nothing: every crop is drawn at random already.
        check_split(info, request.split)
        bank = tuple(tf.constant(array) for array in photo_crops.photo_bank())
        crop = functools.partial(
            _random_crop, *bank, resolution=request.resolution, seed=request.seed
        )
        indices = element_indices(photo_crops.NOMINAL_EPOCH, request)
        return with_symbolic_checkpoint(indices.map(crop, num_parallel_calls=tf.data.AUTOTUNE))

    return Source(info=info, read=read)


def _random_crop(flat, offsets, heights, widths, index, *, resolution, seed):
    """Crop number `index` of the stream: a function of `(seed, index)` only."""
    seed = tf.stack([tf.constant(seed, tf.int64), index])
    draws = tf.random.stateless_uniform([photo_crops.DRAWS_PER_CROP], seed=seed)
    photo, top, left, side, flip = photo_crops.crop_window(
        draws, heights, widths, tf.constant(resolution, tf.int64), _TF_OPS
    )
    height, width, start = heights[photo], widths[photo], offsets[photo]
    pixels = tf.reshape(flat[start : start + height * width * 3], tf.stack([height, width, 3]))
    image = pixels[top : top + side, left : left + side]
    image = tf.cond(flip, lambda: tf.reverse(image, axis=[1]), lambda: image)
    return image, tf.constant(0, tf.int32)
