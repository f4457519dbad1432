"""Image-quality metrics of the reconstruction trainer, on images in [-1, 1]."""

import tensorflow as tf


def _unit_range(images):
    return (tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0) + 1.0) / 2.0


def psnr(targets, predictions):
    """Peak signal-to-noise ratio in dB per image, for images in [-1, 1] (peak = the full range).

    Example:

    >>> psnr(tf.zeros((1, 8, 8, 1)), tf.fill((1, 8, 8, 1), 0.2)).numpy().round(2)
    array([20.], dtype=float32)
    """
    return tf.image.psnr(_unit_range(targets), _unit_range(predictions), max_val=1.0)


def psnr_of_pixels(targets, predictions, pixels):
    """PSNR in dB per image over the pixels where `pixels` is 1 (e.g. a hole to fill).

    Args:
        targets, predictions: images `(batch, height, width, channels)` in [-1, 1].
        pixels: `(batch, height, width, 1)` weights, 1.0 for the pixels that count.

    Example:

    >>> hole = tf.pad(tf.ones((1, 4, 4, 1)), [[0, 0], [2, 2], [2, 2], [0, 0]])
    >>> filled = 0.2 * hole  # right outside the hole, off by 0.1 of the range inside
    >>> psnr_of_pixels(tf.zeros((1, 8, 8, 1)), filled, hole).numpy().round(2)
    array([20.], dtype=float32)
    """
    squared = tf.square(_unit_range(targets) - _unit_range(predictions))
    pixels = tf.cast(pixels, tf.float32)
    counted = tf.reduce_sum(pixels, axis=(1, 2, 3)) * tf.cast(tf.shape(squared)[-1], tf.float32)
    mse = tf.reduce_sum(squared * pixels, axis=(1, 2, 3)) / tf.maximum(counted, 1.0)
    return 10.0 * tf.math.log(1.0 / tf.maximum(mse, 1e-10)) / tf.math.log(10.0)


def ssim(targets, predictions):
    """Structural similarity per image (Gaussian window 11, as `tf.image.ssim`), images in [-1, 1].

    Images must be at least 11 pixels high and wide.

    Reference:
    - [Wang et al., Image Quality Assessment: From Error Visibility to Structural Similarity](
      https://doi.org/10.1109/TIP.2003.819861)
    """
    return tf.image.ssim(_unit_range(targets), _unit_range(predictions), max_val=1.0)
