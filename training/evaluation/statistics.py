"""A set of images summarised for FID and KID: its features' moments, and the features for KID.

Saved as an uncompressed `.npz` (float data barely compresses) with the keys

- `mu` (2048,) float64 and `sigma` (2048, 2048) float64: what FID needs; the names pytorch-fid,
  clean-fid and TTUR use, so their statistics files load here too (FID only);
- `features` (n, 2048) float32: what KID needs (8 KiB per image: 400 MiB for 50,000 images);
- `num_images` and `resize`: how the set was made (FID depends on both).
"""

import dataclasses
import os

import numpy as np

from training.evaluation import distances
from training.evaluation.errors import EvaluationError


@dataclasses.dataclass
class FeatureStatistics:
    """What `save`/`load` keep of one image set.

    Attributes:
        mu, sigma: mean and covariance of the features (float64).
        features: the (n, 2048) features, or None (a statistics file without them: no KID).
        num_images: n.
        resize: the resize filter used ("clean", "legacy-tf" or "unknown").
    """

    mu: np.ndarray
    sigma: np.ndarray
    features: np.ndarray = None
    num_images: int = 0
    resize: str = "unknown"

    @classmethod
    def from_features(cls, features, resize="unknown"):
        features = np.asarray(features, np.float32)
        mu, sigma = distances.feature_moments(features)
        return cls(mu=mu, sigma=sigma, features=features, num_images=len(features), resize=resize)

    def save(self, path):
        """Writes the statistics to `path`, `.npz` added when missing; returns the path written."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        arrays = {"mu": self.mu, "sigma": self.sigma, "num_images": np.int64(self.num_images)}
        arrays["resize"] = np.array(self.resize)
        if self.features is not None:
            arrays["features"] = np.asarray(self.features, np.float32)
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        # Written aside, then renamed: a killed process or a second worker writing the same cache
        # file never leaves a half-written one behind.
        partial = f"{path}.{os.getpid()}.partial.npz"
        np.savez(partial, **arrays)
        os.replace(partial, path)
        return path

    @classmethod
    def load(cls, path):
        """Reads statistics written by `save` (or any `.npz` with `mu` and `sigma`).

        Raises:
            EvaluationError: unreadable file, missing keys or inconsistent shapes.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError, EOFError) as error:
            raise EvaluationError(f"cannot read the statistics file {path}: {error}") from error
        missing = [key for key in ("mu", "sigma") if key not in arrays]
        if missing:
            raise EvaluationError(
                f"the statistics file {path} lacks {' and '.join(missing)} (it has "
                f"{', '.join(sorted(arrays)) or 'nothing'}); write one with --save-stats"
            )
        mu, sigma = arrays["mu"].astype(np.float64), arrays["sigma"].astype(np.float64)
        features = arrays.get("features")
        d = mu.shape[0] if mu.ndim == 1 else -1
        if (
            mu.ndim != 1
            or sigma.shape != (d, d)
            or (features is not None and (features.ndim != 2 or features.shape[1] != d))
        ):
            raise EvaluationError(
                f"the statistics file {path} has inconsistent shapes: mu {mu.shape}, sigma "
                f"{sigma.shape}" + (f", features {features.shape}" if features is not None else "")
            )
        count = arrays.get("num_images")
        if count is not None:
            num_images = int(count)
        else:
            num_images = len(features) if features is not None else 0
        resize = str(arrays["resize"]) if "resize" in arrays else "unknown"
        return cls(mu=mu, sigma=sigma, features=features, num_images=num_images, resize=resize)


def fid(stats1, stats2):
    """The FID between two `FeatureStatistics` (from the features when both have them)."""
    if stats1.features is not None and stats2.features is not None:
        return distances.frechet_distance_of_features(stats1.features, stats2.features)
    return distances.frechet_distance(stats1.mu, stats1.sigma, stats2.mu, stats2.sigma)


def kid(stats1, stats2, **kwargs):
    """`(mean, std)` of KID between two `FeatureStatistics`; None if either has no features."""
    if stats1.features is None or stats2.features is None:
        return None
    return distances.kernel_inception_distance(stats1.features, stats2.features, **kwargs)
