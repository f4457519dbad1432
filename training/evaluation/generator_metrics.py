"""FID and KID of a trained generator against its dataset's real images.

Both sides reach the Inception the same way: images at the run's resolution and channels, in
[-1, 1] (the generator's output range, and what `training.data.make_dataset` gives for real
images), mapped to [0, 255] and rounded to uint8 as if saved as PNG, then the usual preprocessing
(grayscale repeated to RGB, resized to 299 by `resize`). The numbers therefore equal those of
`python -m training.fid` on folders of the same images saved as PNG.

The real side depends only on the dataset, split, resolution, channels, number of images and
resize mode: its statistics are cached in `cache_dir` under a name made of those.
"""

import hashlib
import os
import re

import numpy as np

from training.evaluation import images as images_lib
from training.evaluation import statistics
from training.evaluation.errors import EvaluationError

DEFAULT_NUM_SAMPLES = 1000


def default_cache_dir():
    """`$XDG_CACHE_HOME/keras-refined-sa/fid-stats` (`~/.cache/...` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "keras-refined-sa", "fid-stats")


def to_uint8(images):
    """Images in [-1, 1] → uint8 [0, 255], rounded as a PNG writer would."""
    return np.clip(np.rint((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def generated_images(network, num_images, latent_dim, num_classes=0, seed=0, batch_size=32):
    """Yields `num_images` uint8 images of `network` (a Keras model or a callable).

    Latents are seeded standard normals.

    A conditional generator gets the classes in turn (image i has class i mod num_classes).
    """
    # A Keras model, or any callable such as a training loop's tf.function around one.
    predict = getattr(network, "predict_on_batch", network)
    rng = np.random.default_rng(seed)
    for start in range(0, num_images, batch_size):
        count = min(batch_size, num_images - start)
        z = rng.standard_normal((count, latent_dim)).astype(np.float32)
        inputs = z
        if num_classes:
            labels = (np.arange(start, start + count) % num_classes).astype(np.int32)
            inputs = [z, labels]
        yield from to_uint8(np.asarray(predict(inputs)))


def real_images(config, split, num_images, batch_size=64):
    """Yields the first `num_images` uint8 images of the run's dataset `split` (fixed order).

    Raises:
        EvaluationError: the split holds fewer images than asked for.
    """
    from training import data

    dataset = data.make_dataset(
        config.dataset,
        resolution=config.resolution,
        batch_size=batch_size,
        split=split,
        channels=config.channels,
        data_dir=config.data_dir,
        seed=0,
        shuffle=False,
        repeat=False,
    )
    count = 0
    for batch, _ in dataset:
        for image in to_uint8(batch.numpy()):
            if count == num_images:
                return
            yield image
            count += 1
    if count < num_images:
        raise EvaluationError(
            f"the {split!r} split of {config.dataset} holds {count} images, fewer than the "
            f"{num_images} asked for: lower --num-samples"
        )


def reference_split(info, reference=None):
    """The split to compare with: `reference` if given, else "test" where the dataset has one."""
    if reference is None:
        reference = "test" if "test" in info.splits else "train"
    if reference not in info.splits:
        raise EvaluationError(
            f"the dataset {info.name} has no {reference!r} split (it has "
            f"{', '.join(sorted(info.splits))}): use --reference "
            f"{' or '.join(sorted(info.splits))}"
        )
    return reference


def cache_path(cache_dir, config, split, num_images, resize):
    """Where the real statistics of these settings are cached."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.basename(os.path.normpath(config.dataset)))
    if name != config.dataset:  # a folder: keep two folders of one name apart
        name += "-" + hashlib.sha1(os.path.abspath(config.dataset).encode()).hexdigest()[:8]
    channels = config.channels if config.channels is not None else "native"
    filename = f"{name}-{split}-{config.resolution}px-{channels}ch-{num_images}-{resize}.npz"
    return os.path.join(cache_dir, filename)


def real_statistics(
    config, split, num_images, cache_dir, batch_size=32, resize="clean", progress=None
):
    """`(FeatureStatistics, cached)`: the real images' statistics, from or added to the cache."""
    path = cache_path(cache_dir, config, split, num_images, resize)
    if os.path.isfile(path):
        return statistics.FeatureStatistics.load(path), True
    features = images_lib.extract_features(
        real_images(config, split, num_images), batch_size, resize, progress
    )
    stats = statistics.FeatureStatistics.from_features(features, resize=resize)
    stats.save(path)
    return stats, False


def generator_statistics(network, num_images, latent_dim, num_classes=0, seed=0, batch_size=32,
                         resize="clean", progress=None):
    """`FeatureStatistics` of `num_images` samples of `network`."""
    features = images_lib.extract_features(
        generated_images(network, num_images, latent_dim, num_classes, seed, batch_size),
        batch_size, resize, progress,
    )
    return statistics.FeatureStatistics.from_features(features, resize=resize)


def evaluate_generator(network, config, latent_dim, num_classes=0, num_images=DEFAULT_NUM_SAMPLES,
                       reference=None, cache_dir=None, seed=0, batch_size=32, resize="clean",
                       progress=None):
    """FID and KID of `network` against the real images of `config`'s dataset.

    Returns:
        A dict: `fid`, `kid`, `kid_std`, `split`, `num_images`, `cached` (real statistics came
        from the cache).

    Raises:
        EvaluationError: fewer than 2 images, no such split, too few real images.
    """
    from training import data

    if num_images < 2:
        raise EvaluationError(f"FID and KID need at least 2 images, received {num_images}")
    split = reference_split(data.dataset_info(config.dataset, config.data_dir), reference)
    real, cached = real_statistics(
        config, split, num_images, cache_dir or default_cache_dir(), batch_size, resize, progress
    )
    fake = generator_statistics(
        network, num_images, latent_dim, num_classes, seed, batch_size, resize, progress
    )
    kid_mean, kid_std = statistics.kid(real, fake, seed=seed)
    return {
        "fid": statistics.fid(real, fake),
        "kid": kid_mean,
        "kid_std": kid_std,
        "split": split,
        "num_images": num_images,
        "cached": cached,
    }
