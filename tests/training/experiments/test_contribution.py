"""The update share of an attention block: 0 when γ = 0, proportional to γ otherwise."""

import numpy as np
import pytest

import zoo
from training.experiments.contribution import update_shares


def test_the_update_share_follows_gamma():
    generator = zoo.create("sagan_refined", ch=8, channels=1, num_classes=0, resolution=32).generator
    (layer,) = [layer for layer in generator._flatten_layers() if "attention" in layer.name]
    latents = np.random.default_rng(0).normal(size=(4, 128)).astype("float32")
    layer.gamma.assign(0.0)
    assert update_shares(generator, latents) == {layer.name: 0.0}
    layer.gamma.assign(0.1)
    (small,) = update_shares(generator, latents).values()
    layer.gamma.assign(0.3)
    (large,) = update_shares(generator, latents).values()
    assert small > 0
    assert large == pytest.approx(3 * small, rel=1e-3)
    # The network is left as it was: no recording hook stays behind.
    assert "recording" not in repr(layer.call)


def test_a_network_without_attention_is_refused():
    generator = zoo.create("sagan_none", ch=8, channels=1, num_classes=0, resolution=32).generator
    with pytest.raises(ValueError, match="has no attention block"):
        update_shares(generator, np.zeros((1, 128), "float32"))
