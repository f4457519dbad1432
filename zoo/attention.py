"""The attention kinds of every zoo family and the one function that places a block."""

from keras_refined_sa.convert import ATTENTION_CLASSES

# "none" builds the same network without the block.
ATTENTION_LAYERS = {**ATTENTION_CLASSES, "none": None}
ATTENTION_KINDS = tuple(ATTENTION_LAYERS)


def check_attention_kind(attention):
    """Raises a `ValueError` unless `attention` is one of `ATTENTION_KINDS`."""
    if attention not in ATTENTION_LAYERS:
        raise ValueError(
            f"`attention` must be one of {', '.join(ATTENTION_KINDS)}. "
            f"Received: attention={attention!r}"
        )


def apply_attention(x, attention, *, pool_key_value, spectral_norm, name):
    """Applies a self-attention block of kind `attention` to `x`, or returns `x` for "none".

    Args:
        x: Keras tensor `(batch, height, width, channels)`, channels a multiple of 8.
        attention: "softmax" (`SelfAttention`), "refined" (`RefinedSelfAttention`), "efficient"
            (`EfficientSelfAttention`) or "none".
        pool_key_value: max-pool keys and values 2×2, as the official SAGAN code.
        spectral_norm: spectrally normalise the four 1×1 projections.
        name: name of the attention layer.
    """
    check_attention_kind(attention)
    layer_class = ATTENTION_LAYERS[attention]
    if layer_class is None:
        return x
    return layer_class(pool_key_value=pool_key_value, spectral_norm=spectral_norm, name=name)(x)
