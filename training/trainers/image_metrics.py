"""Image-quality metrics of the reconstruction trainer, on images in [-1, 1]."""

import tensorflow as tf


def _unit_range(images):
    return (tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0) + 1.0) / 2.0


def psnr(targets, predictions):
    """Peak signal-to-noise ratio in dB per image, for images in [-1, 1] (peak = the full range).

    Example:

    >>> psnr(tf.zeros((1, 8, 8, 1)), tf.fill((1, 8, 8, 1), 0.2)).numpy().round(2)
    array([19.99], dtype=float32)
    """
    return tf.image.psnr(_unit_range(targets), _unit_range(predictions), max_val=1.0)


def ssim(targets, predictions):
    """Structural similarity per image (Gaussian window 11, as `tf.image.ssim`), images in [-1, 1].

    Images must be at least 11 pixels high and wide.

    Reference:
    - [Wang et al., Image Quality Assessment: From Error Visibility to Structural Similarity](
      https://doi.org/10.1109/TIP.2003.819861)
    """
    return tf.image.ssim(_unit_range(targets), _unit_range(predictions), max_val=1.0)
