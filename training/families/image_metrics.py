"""Image-quality metrics in `keras.ops`, per image, for images in [-1, 1]: PSNR and SSIM.

They compute what `tf.image.psnr` and `tf.image.ssim` compute (peak = the full range, SSIM's
11×11 Gaussian window of σ 1.5, k1 0.01, k2 0.03), on any backend.
"""

import numpy as np
from keras import ops

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
_SSIM_C1 = 0.01**2
_SSIM_C2 = 0.03**2


def _unit_range(images):
    return (ops.clip(ops.cast(images, "float32"), -1.0, 1.0) + 1.0) / 2.0


def _decibels(mse):
    return -10.0 * ops.log(mse) / np.log(10.0)


def psnr(targets, predictions):
    """Peak signal-to-noise ratio in dB per image, for images in [-1, 1] (peak = the full range).

    Example:

    >>> ops.convert_to_numpy(psnr(np.zeros((1, 8, 8, 1)), np.full((1, 8, 8, 1), 0.2))).round(2)
    array([20.], dtype=float32)
    """
    squared = ops.square(_unit_range(targets) - _unit_range(predictions))
    return _decibels(ops.mean(squared, axis=(1, 2, 3)))


def psnr_of_pixels(targets, predictions, pixels):
    """PSNR in dB per image over the pixels where `pixels` is 1 (e.g. a hole to fill).

    Args:
        targets, predictions: images `(batch, height, width, channels)` in [-1, 1].
        pixels: `(batch, height, width, 1)` weights, 1.0 for the pixels that count.

    Example:

    >>> hole = np.pad(np.ones((1, 4, 4, 1)), [[0, 0], [2, 2], [2, 2], [0, 0]])
    >>> filled = 0.2 * hole  # right outside the hole, off by 0.1 of the range inside
    >>> ops.convert_to_numpy(psnr_of_pixels(np.zeros((1, 8, 8, 1)), filled, hole)).round(2)
    array([20.], dtype=float32)
    """
    squared = ops.square(_unit_range(targets) - _unit_range(predictions))
    pixels = ops.cast(pixels, "float32")
    channels = ops.shape(squared)[-1]
    counted = ops.sum(pixels, axis=(1, 2, 3)) * channels
    mse = ops.sum(squared * pixels, axis=(1, 2, 3)) / ops.maximum(counted, 1.0)
    return _decibels(ops.maximum(mse, 1e-10))


def _gaussian_window(channels):
    coordinates = np.arange(SSIM_WINDOW, dtype=np.float64) - (SSIM_WINDOW - 1) / 2
    profile = np.exp(-0.5 * (coordinates / SSIM_SIGMA) ** 2)
    window = np.outer(profile, profile)
    window = (window / window.sum()).astype(np.float32)
    return np.tile(window[:, :, None, None], (1, 1, channels, 1))


def ssim(targets, predictions):
    """Structural similarity per image (Gaussian window 11, as `tf.image.ssim`), images in [-1, 1].

    Images must be at least 11 pixels high and wide; the window slides over the valid
    positions, and the per-channel means are averaged.

    Example:

    >>> images = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3))
    >>> ops.convert_to_numpy(ssim(images, images)).round(4)
    array([1., 1.], dtype=float32)

    Reference:
    - [Wang et al., Image Quality Assessment: From Error Visibility to Structural Similarity](
      https://doi.org/10.1109/TIP.2003.819861)
    """
    x, y = _unit_range(targets), _unit_range(predictions)
    height, width, channels = x.shape[1], x.shape[2], x.shape[3]
    if height < SSIM_WINDOW or width < SSIM_WINDOW:
        raise ValueError(
            f"SSIM needs images of at least {SSIM_WINDOW}×{SSIM_WINDOW} pixels. Received: "
            f"{height}×{width}"
        )
    window = ops.convert_to_tensor(_gaussian_window(channels))

    def local_mean(images):
        return ops.depthwise_conv(images, window, strides=1, padding="valid")

    mean_x, mean_y = local_mean(x), local_mean(y)
    mean_xy = mean_x * mean_y
    mean_squares = ops.square(mean_x) + ops.square(mean_y)
    luminance = (2.0 * mean_xy + _SSIM_C1) / (mean_squares + _SSIM_C1)
    contrast_structure = (2.0 * local_mean(x * y) - 2.0 * mean_xy + _SSIM_C2) / (
        local_mean(ops.square(x) + ops.square(y)) - mean_squares + _SSIM_C2
    )
    return ops.mean(luminance * contrast_structure, axis=(1, 2, 3))
