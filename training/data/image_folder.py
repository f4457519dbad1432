"""A folder of image files as a tf.data source; one subfolder per class gives labels.

The folder is listed and checked by `training.data.image_files` (layouts, bad files: see there);
here the images are read and decoded by TensorFlow.
"""

import tensorflow as tf

from training.data import image_files
from training.data.source import Source
from training.data.source import check_split
from training.data.source import indexed_dataset


def source(folder):
    """The `Source` of the images under `folder` (listed now, read when iterated).

    Raises:
        DatasetError: the folder holds no image file, or none that can be decoded.
    """
    paths, labels, info = image_files.folder_contents(folder, _decode_problems)

    def read(request):
        check_split(info, request.split)
        path_tensor, label_tensor = tf.constant(paths), tf.constant(labels, tf.int32)

        def load_example(position):
            image = _decode(tf.io.read_file(tf.gather(path_tensor, position)))
            return image, tf.gather(label_tensor, position)

        return indexed_dataset(len(paths), load_example, request)

    return Source(info=info, read=read)


def _decode_problems(paths):
    """Full decode of every file with `tf.io.decode_image`, in parallel; errors are skipped
    and the files that failed decoded once more, alone, for their message."""

    @tf.autograph.experimental.do_not_convert
    def decode(path):
        image = _decode(tf.io.read_file(path))
        return path, tf.size(image)

    dataset = tf.data.Dataset.from_tensor_slices(paths).map(
        decode, num_parallel_calls=tf.data.AUTOTUNE
    )
    decoded = {
        path.decode(): size
        for path, size in dataset.ignore_errors().as_numpy_iterator()
    }
    bad = {}
    for path in paths:
        if decoded.get(path, 0) > 0:
            continue
        try:
            _decode(tf.io.read_file(path))
            bad[path] = "empty image"
        except (tf.errors.OpError, ValueError) as error:
            bad[path] = image_files.reason(path, error)
    return bad


def _decode(encoded):
    # Grayscale images become RGB and RGBA loses alpha: every image has 3 channels.
    return tf.io.decode_image(encoded, channels=3, expand_animations=False)
