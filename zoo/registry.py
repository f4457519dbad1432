"""Name -> constructor registry of the zoo: `register`, `register_family`, `create`, `list_models`.

Models register themselves when their module is imported (`import zoo` imports them all), as in
timm: one `create(name, **overrides)` builds any of them, and tests iterate over `list_models()`.
"""

import difflib

from zoo.attention import ATTENTION_KINDS

_REGISTRY = {}


def register(name):
    """Decorator registering a model constructor (a class or a function) under `name`.

    Args:
        name: the model's name for `create`; must not be registered yet.

    Example:

    >>> @register("tiny_mlp")
    ... def tiny_mlp(units=8):
    ...     return keras.Sequential([keras.layers.Dense(units)])
    """

    def decorator(constructor):
        if name in _REGISTRY:
            raise ValueError(
                f"A model named {name!r} is already registered (by {_REGISTRY[name]!r}). "
                "Choose another name."
            )
        _REGISTRY[name] = constructor
        return constructor

    return decorator


def register_family(family):
    """Class decorator registering `{family}_{kind}` for every attention kind.

    The constructor must take an `attention` argument (one of `zoo.attention.ATTENTION_KINDS`:
    "softmax", "refined", "efficient" or "none"); each registered name fixes it, so
    `create("sagan_refined")` is `SAGAN(attention="refined")`.

    Example:

    >>> @register_family("tiny_autoencoder")
    ... class TinyAutoencoder:
    ...     def __init__(self, attention="refined", resolution=32): ...
    >>> create("tiny_autoencoder_none").__class__.__name__
    'TinyAutoencoder'
    """

    def decorator(constructor):
        for attention in ATTENTION_KINDS:
            register(f"{family}_{attention}")(_fix_attention(constructor, attention))
        return constructor

    return decorator


def _fix_attention(constructor, attention):
    def create_with_attention(**kwargs):
        if "attention" in kwargs:
            raise ValueError(
                "The attention kind is part of the model name; choose the name instead "
                f"(e.g. `create('..._{kwargs['attention']}')`). Received: "
                f"attention={kwargs['attention']!r} for a model with attention={attention!r}"
            )
        return constructor(attention=attention, **kwargs)

    create_with_attention.__name__ = f"{constructor.__name__}_{attention}"
    create_with_attention.__doc__ = f"`{constructor.__name__}` with {attention} attention."
    return create_with_attention


def list_models():
    """Returns the sorted names of all registered models."""
    return sorted(_REGISTRY)


def create(name, **overrides):
    """Builds the model registered as `name`, with `overrides` for its default arguments.

    Args:
        name: a name from `list_models()`, e.g. "sagan_refined".
        **overrides: keyword arguments of the model's constructor, e.g. `resolution=64`.

    Returns:
        What the constructor returns: a `keras.Model`, or an object holding several (`SAGAN`).

    Example:

    >>> gan = create("sagan_refined", resolution=64, ch=32)
    >>> gan.generator.output_shape
    (None, 64, 64, 3)
    """
    if name not in _REGISTRY:
        names = list_models()
        closest = difflib.get_close_matches(str(name), names, n=1, cutoff=0.0)
        hint = f" Did you mean {closest[0]!r}?" if closest else ""
        raise ValueError(
            f"Unknown model name {name!r}.{hint} Known models: {', '.join(names)}."
        )
    return _REGISTRY[name](**overrides)
