"""TensorBoard event files written without TensorFlow: `EventWriter`, and PNG files: `write_png`.

The JAX engine runs where TensorFlow is not installed; TensorBoard still reads its runs. The
events are written by the `tensorboard` package's own event-file writer
(`tensorboard.summary.writer.event_file_writer`) as the same summary protos TensorFlow's
`tf.summary` writes for the same calls: scalars as float32 tensors of the `scalars` plugin,
pictures as `[width, height, PNG]` string tensors of the `images` plugin, and the
hyper-parameters as the `hparams` plugin's session-start record (`tensorboard.plugins.hparams.
summary_v2.hparams_pb`, which builds the proto without TensorFlow). So `EventWriter` and
`training.monitoring.summaries.SummaryWriter` are interchangeable: same methods, same tags,
same values in the files.

PNG encoding is Pillow's (TensorBoard's own `encode_png` calls TensorFlow).
"""

import io
import os
import time

import numpy as np
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.hparams import summary_v2 as hparams_summary
from tensorboard.plugins.image import metadata as image_metadata
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.util import tensor_util


def encode_png(picture):
    """PNG bytes of a uint8 `(height, width, channels)` array, channels 1, 3 or 4.

    Raises:
        ValueError: the array is not uint8 or not of that shape.

    Example:

    >>> encode_png(np.zeros((2, 3, 1), np.uint8))[:4]
    b'\\x89PNG'
    """
    from PIL import Image

    picture = np.asarray(picture)
    if picture.dtype != np.uint8 or picture.ndim != 3 or picture.shape[-1] not in (1, 3, 4):
        raise ValueError(
            "A picture must be a uint8 array (height, width, 1, 3 or 4 channels). "
            f"Received: dtype={picture.dtype}, shape={picture.shape}"
        )
    image = Image.fromarray(picture[..., 0] if picture.shape[-1] == 1 else picture)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_png(path, picture):
    """Writes a uint8 `(height, width, channels)` array as a PNG file.

    Example:

    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "grid.png")
    >>> write_png(path, np.full((8, 12, 3), 255, np.uint8))
    >>> open(path, "rb").read(4)
    b'\\x89PNG'
    """
    data = encode_png(picture)
    with open(path, "wb") as file:
        file.write(data)


class EventWriter:
    """Writes a run's TensorBoard events into its logdir (a no-op when not `enabled`).

    The methods are those of `training.monitoring.summaries.SummaryWriter`.

    Args:
        logdir: the run's directory (created if missing).
        enabled: False on the hosts of a multi-host run other than the first.

    Example:

    >>> import tempfile
    >>> writer = EventWriter(tempfile.mkdtemp())
    >>> writer.hparams({"ch": 32})
    >>> writer.scalars({"losses/d_loss": 1.2}, step=10)
    >>> writer.image("samples", np.zeros((64, 80, 1), np.uint8), step=10)
    >>> writer.close()
    """

    def __init__(self, logdir, enabled=True):
        self.enabled = enabled
        self._writer = EventFileWriter(os.fspath(logdir)) if enabled else None
        self._closed = False

    def scalars(self, values, step):
        """Writes `{tag: number}` at `step`."""
        if not self.enabled or not values:
            return
        for tag, value in values.items():
            self._write(
                step,
                tag=tag,
                tensor=tensor_util.make_tensor_proto(np.float32(value)),
                metadata=scalar_metadata.create_summary_metadata(
                    display_name=None, description=None
                ),
            )

    def image(self, tag, picture, step, description=None):
        """Writes one uint8 `(height, width, channels)` picture at `step`."""
        if not self.enabled:
            return
        picture = np.asarray(picture)
        height, width = picture.shape[:2]
        encoded = [str(width).encode(), str(height).encode(), encode_png(picture)]
        self._write(
            step,
            tag=tag,
            tensor=tensor_util.make_tensor_proto(encoded, dtype=np.object_, shape=[3]),
            metadata=image_metadata.create_summary_metadata(
                display_name=None, description=description
            ),
        )

    def hparams(self, values):
        """Records the run's hyper-parameters for TensorBoard's HPARAMS tab."""
        if not self.enabled:
            return
        self._add(0, hparams_summary.hparams_pb(values))

    def flush(self):
        if self.enabled and not self._closed:
            self._writer.flush()

    def close(self):
        """Writes what is buffered and closes the file; closing again does nothing."""
        if self.enabled and not self._closed:
            self._writer.close()
        self._closed = True

    def _write(self, step, **value):
        self._add(step, summary_pb2.Summary(value=[summary_pb2.Summary.Value(**value)]))

    def _add(self, step, summary):
        event = event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
        self._writer.add_event(event)
