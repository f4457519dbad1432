"""Datasets already prepared by tensorflow-datasets; reading never downloads anything.

`tfds.load` downloads a missing dataset, and offline it retries for minutes before failing. Here
a dataset that is not prepared under the data directory fails at once with a `DatasetError`
that says how to prepare it elsewhere and bring it here.
"""

import functools
import glob
import os

import tensorflow as tf

from training.data.source import DatasetError
from training.data.source import DatasetInfo
from training.data.source import Source
from training.data.source import check_split

# Shuffled elements are still JPEG/PNG bytes (decoded after the shuffle), so 4096 of them cost a
# few MB in memory and in every checkpoint of the iterator, where the buffer is saved.
SHUFFLE_BUFFER = 4096


def data_root(data_dir=None):
    """The folder tensorflow-datasets reads: `data_dir`, else `$TFDS_DATA_DIR`, else its default."""
    if data_dir is not None:
        return os.fspath(data_dir)
    return os.environ.get("TFDS_DATA_DIR") or os.path.expanduser("~/tensorflow_datasets")


def prepared_path(name, data_dir=None):
    """The folder of a prepared version of `name` under the data root, or None; cheap.

    Looks for `<root>/<name>/<version>/dataset_info.json` (what `tfds build` leaves) without
    importing tensorflow-datasets.
    """
    pattern = os.path.join(data_root(data_dir), name.replace(":", "/"), "*", "dataset_info.json")
    found = sorted(glob.glob(pattern))
    return os.path.dirname(found[-1]) if found else None


def registered_names():
    """The dataset names tensorflow-datasets knows (without community datasets: no network)."""
    import tensorflow_datasets as tfds

    return tfds.list_builders(with_community_datasets=False)


def prepared_builder(name, data_dir=None):
    """`tfds.builder(name)` for a dataset prepared under `data_dir`; None if tfds has no `name`.

    Raises:
        DatasetError: tfds knows the name but no prepared copy is there, or rejects the name.
    """
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        return None
    except ValueError as error:  # A known dataset with an unknown config or version.
        raise DatasetError(f"tensorflow-datasets rejects {name!r}: {error}") from error
    if not builder.is_prepared():
        raise DatasetError(_not_prepared_message(name, builder.data_dir_root, data_dir))
    return builder


def find_source(name, data_dir=None):
    """A `Source` for a prepared tensorflow-datasets dataset, or None if tfds has no `name`."""
    builder = prepared_builder(name, data_dir)
    if builder is None:
        return None
    image_key, label_key = _image_and_label_keys(name, builder.info)
    info = _info(name, builder, image_key, label_key)

    return Source(info=info, read=functools.partial(_read, builder, info, image_key, label_key))


def _read(builder, info, image_key, label_key, request):
    import tensorflow_datasets as tfds

    split = request.split
    check_split(info, split, slicing=True)
    context = request.input_context
    if context is not None and context.num_input_pipelines > 1:
        # Each pipeline reads its own contiguous part of the split, not every file.
        split = tfds.even_splits(split, n=context.num_input_pipelines)[context.input_pipeline_id]
    dataset = builder.as_dataset(
        split=split,
        shuffle_files=request.shuffle,
        decoders={image_key: tfds.decode.SkipDecoding()},
        # No in-memory cache: a cache would be saved whole in every iterator checkpoint.
        read_config=tfds.ReadConfig(shuffle_seed=request.seed, try_autocache=False),
    )

    def encoded_pair(example):
        label = tf.cast(example[label_key], tf.int32) if label_key else tf.constant(0, tf.int32)
        return example[image_key], label

    dataset = dataset.map(encoded_pair)
    if request.shuffle:
        dataset = dataset.shuffle(SHUFFLE_BUFFER, seed=request.seed, reshuffle_each_iteration=True)
    if request.repeat:
        dataset = dataset.repeat()
    # Skipped records are read but never decoded.
    dataset = dataset.skip(request.skip)

    def decode(encoded, label):
        image = tf.io.decode_image(encoded, channels=info.channels, expand_animations=False)
        return image, label

    return dataset.map(decode, num_parallel_calls=tf.data.AUTOTUNE)


def _image_and_label_keys(name, tfds_info):
    """The top-level image feature and class-label feature (None if unlabeled) of a dataset."""
    import tensorflow_datasets as tfds

    features = tfds_info.features
    images = [key for key, feature in features.items() if isinstance(feature, tfds.features.Image)]
    labels = [
        key for key, feature in features.items() if isinstance(feature, tfds.features.ClassLabel)
    ]
    supervised = tfds_info.supervised_keys
    if isinstance(supervised, tuple) and len(supervised) == 2 and supervised[0] in images:
        return supervised[0], supervised[1] if supervised[1] in labels else None
    if not images:
        raise DatasetError(
            f"tensorflow-datasets dataset {name!r} has no top-level image feature; its features "
            f"are {sorted(features.keys())}. Only image datasets can train these models."
        )
    image_key = "image" if "image" in images else images[0]
    label_key = "label" if "label" in labels else None
    return image_key, label_key


def _info(name, builder, image_key, label_key):
    tfds_info = builder.info
    height, width, channels = tfds_info.features[image_key].shape
    splits = {split: split_info.num_examples for split, split_info in tfds_info.splits.items()}
    label = tfds_info.features[label_key] if label_key else None
    description = " ".join((tfds_info.description or name).split())
    return DatasetInfo(
        name=name,
        # Four-channel images lose their alpha channel; others decode as stored.
        channels=1 if channels == 1 else 3,
        num_classes=label.num_classes if label else 0,
        num_examples=splits.get("train", sum(splits.values())),
        native_resolution=height if height is not None and height == width else None,
        splits=splits,
        description=description[:200],
        source=f"tensorflow-datasets {tfds_info.full_name} in {builder.data_dir}",
        class_names=tuple(label.names) if label else (),
    )


def _not_prepared_message(name, root, data_dir):
    where = (
        f"--data-dir {data_dir}"
        if data_dir is not None
        else f"the default data directory {root} (set --data-dir or TFDS_DATA_DIR to use another)"
    )
    return (
        f"tensorflow-datasets knows {name!r} but it is not prepared under {where}, and training "
        f"never downloads data. Prepare it on a machine with internet access:\n"
        f"    tfds build {name} --data_dir DIR\n"
        f"or  python -c \"import tensorflow_datasets as tfds; tfds.load('{name}', "
        f"data_dir='DIR')\"\n"
        f"then copy DIR to this machine and pass --data-dir DIR. Datasets whose files must be "
        f"downloaded by hand take them from a manual folder: "
        f"tfds build {name} --data_dir DIR --manual_dir FILES."
    )
