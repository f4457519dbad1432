"""Images → Inception inputs → features: reading, channel handling, resizing to 299, batching.

Two resize filters (see docs/evaluation.md for what the choice does to FID):

- `"clean"` (default): PIL's bicubic filter on each channel in float32 (`Image.resize` on mode "F"),
  which widens its kernel by the downscaling factor (antialiased), without rounding back to uint8.
  This is clean-fid's "clean" mode: its authors (Parmar et al. 2022, arXiv 2104.11222) showed that
  aliasing resizers change FID by several points.
- `"legacy-tf"`: what TTUR's TensorFlow FID code does: the 2015 graph's `ResizeBilinear`
  (`tf.compat.v1.image.resize_bilinear`, align_corners=False, no half-pixel centres, no
  antialiasing), for comparisons with numbers computed that way.

Images already 299×299 are not resized by either.
"""

import os

import numpy as np
from PIL import Image

from training.evaluation import inception
from training.evaluation import statistics
from training.evaluation.errors import EvaluationError

RESIZE_MODES = ("clean", "legacy-tf")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
DEFAULT_BATCH_SIZE = 32


def list_image_files(folder):
    """The image files under `folder` (recursively, sorted).

    Raises:
        EvaluationError: `folder` is not a folder, or holds no image file.
    """
    if not os.path.isdir(folder):
        raise EvaluationError(f"{folder} is not a folder (or a .npz statistics file)")
    paths = []
    for root, folders, files in os.walk(folder):
        folders.sort()
        paths.extend(
            os.path.join(root, name)
            for name in sorted(files)
            if name.lower().endswith(IMAGE_EXTENSIONS)
        )
    if not paths:
        raise EvaluationError(
            f"the folder {folder} holds no images (looked for {', '.join(IMAGE_EXTENSIONS)}, "
            f"any case, in it and its subfolders)"
        )
    return paths


def read_image(path):
    """The RGB uint8 (H, W, 3) image in `path`: grayscale repeated to 3 channels, alpha dropped.

    Raises:
        EvaluationError: the file cannot be read as an image (the message names it).
    """
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"), np.uint8)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise EvaluationError(f"cannot read the image {path}: {error}") from error


def to_rgb(image):
    """(H, W), (H, W, 1) or (H, W, 3) → (H, W, 3): grayscale is repeated on the 3 channels."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise EvaluationError(f"expected a (H, W), (H, W, 1) or (H, W, 3) image, got {image.shape}")
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image


def resize_image(image, mode="clean", size=inception.IMAGE_SIZE):
    """One RGB image in [0, 255] (uint8 or float) → float32 (size, size, 3), clipped to [0, 255]."""
    if mode not in RESIZE_MODES:
        raise ValueError(f"`mode` must be one of {RESIZE_MODES}. Received: mode={mode!r}")
    image = to_rgb(image)
    if image.shape[:2] == (size, size):
        return np.clip(image.astype(np.float32), 0.0, 255.0)
    if mode == "clean":
        channels = [
            np.asarray(
                Image.fromarray(image[..., c].astype(np.float32), mode="F").resize(
                    (size, size), resample=Image.Resampling.BICUBIC
                )
            )
            for c in range(3)
        ]
        resized = np.stack(channels, axis=-1)
    else:
        import tensorflow as tf

        # The op of the 2015 graph, with its defaults of then (TF2's tf.image.resize uses
        # half-pixel centres, which the graph predates).
        resized = tf.raw_ops.ResizeBilinear(
            images=image[None].astype(np.float32), size=(size, size), align_corners=False,
            half_pixel_centers=False,
        )[0].numpy()
    return np.clip(resized, 0.0, 255.0).astype(np.float32)


def extract_features(images, batch_size=DEFAULT_BATCH_SIZE, resize="clean", progress=None):
    """Pool-3 features (n, 2048) float32 of an iterable of RGB/grayscale images in [0, 255].

    Args:
        images: arrays (H, W[, C]) of any size, uint8 or float in [0, 255], or one
            (n, H, W, C) array.
        batch_size: images per Inception call.
        resize: "clean" or "legacy-tf" (see the module docstring).
        progress: a callable `progress(count)` called after each batch, or None.
    """
    if batch_size < 1:
        raise ValueError(f"`batch_size` must be positive. Received: batch_size={batch_size}")
    model = inception.fid_inception()
    features, batch = [], []

    def run():
        features.append(np.asarray(model.predict_on_batch(np.stack(batch)), np.float32))
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for image in images:
        batch.append(resize_image(image, resize))
        if len(batch) == batch_size:
            run()
    if batch:
        run()
    if not features:
        return np.zeros((0, inception.FEATURE_DIM), np.float32)
    return np.concatenate(features)


def folder_statistics(folder, batch_size=DEFAULT_BATCH_SIZE, resize="clean", progress=None):
    """`FeatureStatistics` of every image under `folder` (see `list_image_files`, `read_image`).

    Raises:
        EvaluationError: no such folder, no image in it, an unreadable image, fewer than 2 images.
    """
    paths = list_image_files(folder)
    if len(paths) < 2:
        raise EvaluationError(f"FID and KID need at least 2 images; {folder} holds {len(paths)}")
    features = extract_features((read_image(path) for path in paths), batch_size, resize, progress)
    return statistics.FeatureStatistics.from_features(features, resize=resize)
