"""Stored images as model inputs in NumPy, as `training.data.pipeline.to_model_images` does in TF.

A batch of uint8 images `(b, height, width, 1 or 3)` becomes float32 `(b, R, R, C)` in [-1, 1]:
channels converted (gray to RGB by copying, RGB to gray by BT.601 luma), centre-cropped to a
square, resized to `R` (bilinear, antialiased when shrinking) and scaled. The resize is
TensorFlow's own algorithm (`tf.image.resize(..., antialias=True)`, i.e. `ScaleAndTranslate`
with a triangle kernel whose support grows with the shrink factor, weights renormalised at the
edges), applied as a few weighted taps per output pixel along each axis, so the two pipelines
differ by float32 rounding only: at most 5.1e-6 on the [-1, 1] scale (28 -> 32 px; 1.5e-6 at
28 -> 16, under 1e-6 for the RGB shapes 37 -> 17, 300x400 -> 64, 512 -> 64, 1064 -> 128, none at
100 -> 256), measured on random uint8 images against `training.data.pipeline.to_model_images`;
`tests/training/data/test_arrays.py` holds them to 1e-5.
"""

import functools

import numpy as np

from training.data.info import LUMA_WEIGHTS


def to_model_images(images, *, resolution, channels):
    """Same-sized uint8 images `(b, h, w, c)` as float32 `(b, R, R, C)` in [-1, 1].

    Args:
        images: uint8 array `(batch, height, width, 1 or 3)`.
        resolution: output side `R`.
        channels: output channels `C`, 1 or 3.

    Example:

    >>> to_model_images(np.full((2, 28, 20, 1), 255, np.uint8), resolution=16, channels=3).shape
    (2, 16, 16, 3)
    """
    images = np.asarray(images, np.float32)
    if images.shape[-1] == 1 and channels == 3:
        images = np.repeat(images, 3, axis=-1)
    elif images.shape[-1] == 3 and channels == 1:
        images = (images @ np.asarray(LUMA_WEIGHTS, np.float32))[..., None]
    height, width = images.shape[1:3]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    images = images[:, top : top + side, left : left + side]
    if side != resolution:
        # Rows, then columns: out[b, i, j] = sum_h sum_w W[i, h] W[j, w] in[b, h, w]; the
        # columns are resized as the rows of the transposed images.
        images = _resize_rows(images, resolution)
        images = _resize_rows(images.transpose(0, 2, 1, 3), resolution).transpose(0, 2, 1, 3)
    # Antialiased resizing may overshoot the input range by a hair.
    return np.clip(images / np.float32(127.5) - np.float32(1.0), -1.0, 1.0)


@functools.lru_cache(maxsize=64)
def resize_weights(input_size, output_size):
    """float32 `(output_size, input_size)`: each output pixel's weights over the input pixels.

    TensorFlow's `ScaleAndTranslate` spans for a triangle kernel with antialiasing: output pixel
    `i` samples the input at `x = (i + 0.5) · input / output`; input pixel `j` weighs
    `max(0, 1 - |j + 0.5 - x| / s)` with `s = max(input / output, 1)`; the weights, kept over the
    pixels inside the image, sum to 1.

    Example:

    >>> resize_weights(4, 2)  # halving: a tent twice as wide, cut at the edges
    array([[0.42857143, 0.42857143, 0.14285715, 0.        ],
           [0.        , 0.14285715, 0.42857143, 0.42857143]], dtype=float32)
    """
    inverse_scale = input_size / output_size
    kernel_scale = max(inverse_scale, 1.0)
    samples = (np.arange(output_size) + 0.5) * inverse_scale
    sources = np.arange(input_size) + 0.5
    distances = np.abs(sources[None, :] - samples[:, None]) / kernel_scale
    weights = np.maximum(0.0, 1.0 - distances)
    weights = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
    weights.setflags(write=False)  # Cached and shared.
    return weights


def _resize_rows(images, size):
    """`images` `(b, h, w, c)` resized to `size` rows: each output row sums a few input rows."""
    indices, weights = _taps(images.shape[1], size)
    total = 0
    for tap in range(indices.shape[1]):
        total = total + weights[:, tap, None, None] * images[:, indices[:, tap]]
    return total


@functools.lru_cache(maxsize=64)
def _taps(input_size, output_size):
    """`resize_weights` as its non-zero band: `(indices, weights)`, both `(output, taps)`.

    The weights vanish outside a band about `2 · input / output` wide, so a shrink costs that
    many multiply-adds per output pixel rather than a whole row of the matrix (100 times fewer
    for a 1064 px crop resized to 128).
    """
    dense = resize_weights(input_size, output_size)
    nonzero = dense > 0
    starts = nonzero.argmax(axis=1)
    width = int((nonzero.sum(axis=1)).max())
    indices = starts[:, None] + np.arange(width)
    inside = indices < input_size
    indices = np.minimum(indices, input_size - 1)
    weights = np.where(inside, np.take_along_axis(dense, indices, axis=1), 0).astype(np.float32)
    return indices, weights
