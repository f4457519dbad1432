"""The full-resolution (local) autoencoder: its stated receptive field, attention reaching past
it, the registry and the reconstruction family that trains it."""

import numpy as np
import pytest

import zoo
from tests.zoo.helpers import attention_layers, predict
from zoo.fullres_autoencoder import receptive_field

RESOLUTION = 24
CENTRE = RESOLUTION // 2


def window_mask(radius):
    """True inside the square of `radius` around the centre pixel."""
    rows, columns = np.meshgrid(np.arange(RESOLUTION), np.arange(RESOLUTION), indexing="ij")
    return (np.abs(rows - CENTRE) <= radius) & (np.abs(columns - CENTRE) <= radius)


def centre_change(model, changed):
    """|change| of the centre output pixel when the input pixels where `changed` is True move."""
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (1, RESOLUTION, RESOLUTION, 1)).astype("float32")
    moved = np.where(changed[None, :, :, None], -images, images).astype("float32")
    before, after = predict(model, images), predict(model, moved)
    return float(np.abs(after - before)[0, CENTRE, CENTRE].max())


@pytest.mark.parametrize("blocks", [1, 3])
def test_no_attention_sees_exactly_the_stated_window(blocks):
    model = zoo.create("fullres_none", resolution=RESOLUTION, channels=1, ch=8, blocks=blocks)
    side = receptive_field(blocks)
    assert model.receptive_field == side
    radius = side // 2
    # Everything outside the window moves: the centre output does not.
    assert centre_change(model, ~window_mask(radius)) == 0.0
    # Only the window's outer ring moves: the centre output does, so the window is not smaller.
    ring = window_mask(radius) & ~window_mask(radius - 1)
    assert centre_change(model, ring) > 1e-5


@pytest.mark.parametrize("kind", ["softmax", "refined", "efficient"])
def test_attention_reaches_past_the_window(kind):
    model = zoo.create(f"fullres_{kind}", resolution=RESOLUTION, channels=1, ch=16)
    outside = ~window_mask(model.receptive_field // 2)
    # γ starts at 0: the block is an identity and the network as local as without it.
    assert centre_change(model, outside) == 0.0
    for layer in attention_layers(model):
        layer.gamma.assign(0.5)
    assert centre_change(model, outside) > 1e-5


@pytest.mark.backend_independent
def test_registered_per_kind_and_trained_by_the_reconstruction_family():
    from training.families import ReconstructionFamily, family_of

    for kind in ("softmax", "refined", "efficient", "none"):
        model = zoo.create(f"fullres_{kind}", resolution=32, channels=3, ch=8)
        assert model.attention == kind and model.family == "fullres"
        assert model.networks() == {"autoencoder": model}
        assert model.defaults["learning_rate"] > 0
        assert len(attention_layers(model)) == (kind != "none")
        family = family_of(f"fullres_{kind}")
        assert isinstance(family, ReconstructionFamily) and family.name == "fullres"


@pytest.mark.backend_independent
def test_position_channels_of_mirrored_columns_differ_by_fixed_signs():
    from zoo.fullres_autoencoder import PositionChannels

    features = np.asarray(PositionChannels(3)(np.zeros((1, 8, 8, 1), "float32")))[0, 0, :, 1:]
    mirrored = features[::-1]
    column_features = slice(6, 12)  # sin ×3, cos ×3 of the column axis
    signs = np.sign(np.sum(mirrored * features, axis=0))[column_features]
    assert set(signs) == {-1.0, 1.0}
    np.testing.assert_allclose(
        mirrored[:, column_features], features[:, column_features] * signs, atol=1e-5
    )
    assert len({tuple(row) for row in features.round(4)}) == 8  # columns all distinct


@pytest.mark.backend_independent
def test_bad_arguments_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="multiple of 8.*ch=12"):
        zoo.create("fullres_refined", ch=12)
    with pytest.raises(ValueError, match="attention_after=4"):
        zoo.create("fullres_refined", blocks=3, attention_after=4)
    with pytest.raises(ValueError, match="resolution=8"):
        zoo.create("fullres_none", resolution=8)
