"""The registry: names, create, overrides, errors."""

import pytest

import zoo
from zoo import registry
from zoo.attention import ATTENTION_KINDS

# Bookkeeping of names and constructors: the TensorFlow run covers it (tests/conftest.py).
pytestmark = pytest.mark.backend_independent


def test_lists_every_family_once_per_attention_kind():
    assert ATTENTION_KINDS == ("softmax", "refined", "efficient", "none")
    assert zoo.list_models() == [
        "autoencoder_efficient",
        "autoencoder_none",
        "autoencoder_refined",
        "autoencoder_softmax",
        "fullres_efficient",
        "fullres_none",
        "fullres_refined",
        "fullres_softmax",
        "sagan_efficient",
        "sagan_none",
        "sagan_refined",
        "sagan_softmax",
    ]


@pytest.mark.parametrize(
    "name, family, attention",
    [
        ("sagan_none", zoo.SAGAN, "none"),
        ("autoencoder_softmax", zoo.Autoencoder, "softmax"),
        ("sagan_efficient", zoo.SAGAN, "efficient"),
    ],
)
def test_create_fixes_the_attention_and_applies_overrides(name, family, attention):
    model = zoo.create(name, resolution=32, ch=8, channels=1)
    assert isinstance(model, family)
    assert model.attention == attention
    assert (model.resolution, model.channels) == (32, 1)


def test_unknown_name_lists_the_known_names_and_the_closest_match():
    with pytest.raises(ValueError) as error:
        zoo.create("sagan_refind")
    message = str(error.value)
    assert "'sagan_refind'" in message
    assert "Did you mean 'sagan_refined'?" in message
    for name in zoo.list_models():
        assert name in message


def test_attention_cannot_be_overridden():
    with pytest.raises(ValueError, match="part of the model name"):
        zoo.create("sagan_refined", attention="softmax")


def test_register_adds_a_constructor_and_refuses_a_taken_name(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @zoo.register("twice_width")
    def twice_width(width=1):
        return 2 * width

    assert "twice_width" in zoo.list_models()
    assert zoo.create("twice_width", width=3) == 6
    with pytest.raises(ValueError, match="already registered"):
        zoo.register("twice_width")(twice_width)


def test_register_family_registers_one_name_per_attention_kind(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})

    @zoo.register_family("probe")
    class Probe:
        def __init__(self, attention, size=1):
            self.attention, self.size = attention, size

    assert zoo.list_models() == sorted(f"probe_{kind}" for kind in ATTENTION_KINDS)
    probe = zoo.create("probe_softmax", size=4)
    assert (probe.attention, probe.size) == ("softmax", 4)
