"""TensorBoard output of a run: scalars, image grids and the hyper-parameters."""

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

# The grids live with the families (no TensorFlow there); TensorBoard shows them.
from training.families.pictures import image_grid  # noqa: F401
from training.families.pictures import to_uint8  # noqa: F401

# One PNG writer for both engines (no TensorFlow in it).
from training.monitoring.event_writer import write_png  # noqa: F401


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
