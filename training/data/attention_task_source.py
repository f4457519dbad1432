"""The synthetic attention tasks (`training.data.attention_tasks`) as tf.data sources.

The images are drawn by NumPy (`attention_tasks.images`) inside the pipeline, so tf.data and the
JAX engine's NumPy input read the same images; only the shuffled order differs, as for every
dataset.
"""

import numpy as np
import tensorflow as tf

from training.data import attention_tasks
from training.data.source import Source
from training.data.source import check_split
from training.data.source import indexed_dataset


def source(name):
    """The `Source` of task `name` (`"global_colour"` or `"mirror"`)."""
    info = attention_tasks.info(name)

    def read(request):
        parts = check_split(info, request.split)
        resolution = request.resolution

        def draw(position):
            return attention_tasks.images(name, parts, np.array([position]), resolution)[0]

        def load_example(position):
            image = tf.numpy_function(draw, [position], tf.uint8, stateful=False)
            image.set_shape((resolution, resolution, info.channels))
            return image, tf.constant(0, tf.int32)

        return indexed_dataset(attention_tasks.count(parts), load_example, request)

    return Source(info=info, read=read)
