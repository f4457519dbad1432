"""TensorBoard output of a run: scalars, image grids and the hyper-parameters."""

import math

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api


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


def write_png(path, picture):
    """Writes a uint8 `(height, width, channels)` array as a PNG file."""
    tf.io.write_file(path, tf.io.encode_png(picture))


class SummaryWriter:
    """Writes a run's TensorBoard events into its logdir (a no-op on non-chief workers).

    Args:
        logdir: the run's directory.
        enabled: False on the non-chief workers of a multi-worker run.

    Example:

    >>> writer = SummaryWriter("runs/demo")
    >>> writer.hparams({"ch": 32})
    >>> writer.scalars({"losses/d_loss": 1.2}, step=10)
    >>> writer.image("samples", np.zeros((64, 80, 1), np.uint8), step=10)
    """

    def __init__(self, logdir, enabled=True):
        self.enabled = enabled
        self._writer = tf.summary.create_file_writer(logdir) if enabled else None

    def scalars(self, values, step):
        """Writes `{tag: number}` at `step`."""
        if not self.enabled or not values:
            return
        with self._writer.as_default(step=step):
            for tag, value in values.items():
                tf.summary.scalar(tag, float(value))

    def image(self, tag, picture, step, description=None):
        """Writes one uint8 `(height, width, channels)` picture at `step`."""
        if not self.enabled:
            return
        with self._writer.as_default(step=step):
            tf.summary.image(tag, np.asarray(picture)[None], description=description)

    def hparams(self, values):
        """Records the run's hyper-parameters for TensorBoard's HPARAMS tab."""
        if not self.enabled:
            return
        with self._writer.as_default():
            hparams_api.hparams(values)

    def flush(self):
        if self.enabled:
            self._writer.flush()

    def close(self):
        if self.enabled:
            self._writer.close()
