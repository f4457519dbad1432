"""The pictures of a run as uint8 NumPy grids: sample grids, reconstruction grids.

NumPy only, so that every engine (and TensorBoard on any backend) tiles pictures the same way.
"""

import math

import numpy as np


def image_grid(images, columns=None):
    """Tiles images in [-1, 1] into one uint8 picture, row by row.

    Args:
        images: array `(count, height, width, channels)` with channels 1 or 3, values in [-1, 1].
        columns: images per row; defaults to a near-square grid.

    Returns:
        A uint8 array `(rows · height, columns · width, channels)`.

    Example:

    >>> image_grid(np.zeros((6, 4, 4, 1)), columns=3).shape
    (8, 12, 1)
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError(f"`images` must be 4D (count, h, w, c). Received: shape={images.shape}")
    count, height, width, channels = images.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    grid = np.zeros((rows * height, columns * width, channels), np.float32)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        grid[row * height : (row + 1) * height, column * width : (column + 1) * width] = image
    return to_uint8(grid)


def to_uint8(images):
    """Maps values in [-1, 1] to uint8 in [0, 255]."""
    scaled = (np.clip(np.asarray(images, np.float32), -1.0, 1.0) + 1.0) * 127.5
    return np.round(scaled).astype(np.uint8)



def reconstruction_grid(images, corrupted, reconstructions, show_corrupted=True):
    """One column per image: the image, its corrupted version (optional), the reconstruction.

    Example:

    >>> images = np.zeros((4, 8, 8, 1))
    >>> reconstruction_grid(images, images, images, show_corrupted=False).shape
    (16, 32, 1)
    """
    rows = [images, corrupted, reconstructions] if show_corrupted else [images, reconstructions]
    return image_grid(np.concatenate([np.asarray(row, np.float32) for row in rows]),
                      columns=len(images))
