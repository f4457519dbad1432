"""Reading and resizing images; statistics files."""

import numpy as np
import pytest
from PIL import Image

from training import evaluation
from training.evaluation import images


def test_grayscale_is_repeated_on_three_channels():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    rgb = images.to_rgb(gray)
    assert rgb.shape == (3, 4, 3)
    np.testing.assert_array_equal(rgb[..., 0], gray)
    np.testing.assert_array_equal(rgb[..., 2], gray)
    np.testing.assert_array_equal(images.to_rgb(gray[..., None]), rgb)


@pytest.mark.parametrize("mode", images.RESIZE_MODES)
def test_resize_keeps_a_constant_image_and_its_range(mode):
    flat = np.full((32, 48, 3), 200, np.uint8)
    resized = images.resize_image(flat, mode)
    assert resized.shape == (299, 299, 3) and resized.dtype == np.float32
    np.testing.assert_allclose(resized, 200.0, atol=1e-3)
    noise = np.random.default_rng(0).integers(0, 256, (40, 40, 3)).astype(np.uint8)
    resized = images.resize_image(noise, mode)
    assert resized.min() >= 0.0 and resized.max() <= 255.0


def test_images_of_the_right_size_are_not_resized():
    image = np.random.default_rng(1).integers(0, 256, (299, 299, 3)).astype(np.uint8)
    np.testing.assert_array_equal(images.resize_image(image, "clean"), image.astype(np.float32))


def test_legacy_resize_is_bilinear_without_half_pixel_centres():
    # Output pixel i samples input position i·(in/out), TF1's ResizeBilinear default.
    ramp = np.tile(np.arange(13, dtype=np.float32)[None, :, None] * 10, (13, 1, 3))
    resized = images.resize_image(ramp, "legacy-tf")
    source = np.arange(299) * 13 / 299
    expected = np.interp(source, np.arange(13), np.arange(13) * 10.0)
    np.testing.assert_allclose(resized[0, :, 0], expected, atol=1e-3)


def test_unreadable_image_names_the_file(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(evaluation.EvaluationError, match="broken.png"):
        images.read_image(str(broken))


def test_listing_finds_images_recursively_and_rejects_empty_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "sub" / "b.PNG")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "a.jpg")
    (tmp_path / "notes.txt").write_text("no image")
    found = images.list_image_files(str(tmp_path))
    assert [p.rsplit("/", 1)[-1] for p in found] == ["a.jpg", "b.PNG"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(evaluation.EvaluationError, match="holds no images"):
        images.list_image_files(str(empty))
    with pytest.raises(evaluation.EvaluationError, match="not a folder"):
        images.list_image_files(str(tmp_path / "missing"))


def test_statistics_round_trip(tmp_path):
    features = np.random.default_rng(2).gamma(1.0, 0.3, (5, 2048)).astype(np.float32)
    stats = evaluation.FeatureStatistics.from_features(features, resize="clean")
    path = tmp_path / "stats.npz"
    stats.save(str(path))
    loaded = evaluation.FeatureStatistics.load(str(path))
    np.testing.assert_array_equal(loaded.features, features)
    np.testing.assert_array_equal(loaded.sigma, stats.sigma)
    assert loaded.num_images == 5 and loaded.resize == "clean"
    assert evaluation.fid(loaded, stats) == pytest.approx(0.0, abs=1e-9)


def test_statistics_without_features_give_fid_but_no_kid(tmp_path):
    features = np.random.default_rng(3).gamma(1.0, 0.3, (6, 16))
    path = tmp_path / "mu_sigma.npz"
    np.savez(path, mu=features.mean(0), sigma=np.cov(features, rowvar=False))
    loaded = evaluation.FeatureStatistics.load(str(path))
    full = evaluation.FeatureStatistics.from_features(features)
    assert loaded.features is None
    assert evaluation.fid(loaded, full) == pytest.approx(0.0, abs=1e-6)
    assert evaluation.kid(loaded, full) is None


def test_bad_statistics_files_are_reported(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"garbage")
    with pytest.raises(evaluation.EvaluationError, match="garbage.npz"):
        evaluation.FeatureStatistics.load(str(garbage))
    partial = tmp_path / "partial.npz"
    np.savez(partial, mu=np.zeros(3))
    with pytest.raises(evaluation.EvaluationError, match="lacks sigma"):
        evaluation.FeatureStatistics.load(str(partial))
