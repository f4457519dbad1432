"""Switch the self-attention blocks of a trained model between the softmax, refined and efficient
forms."""

import keras

from keras_refined_sa.layers import (
    BaseSelfAttention,
    EfficientSelfAttention,
    RefinedSelfAttention,
    SelfAttention,
)

ATTENTION_CLASSES = {
    "softmax": SelfAttention,
    "refined": RefinedSelfAttention,
    "efficient": EfficientSelfAttention,
}


def _drop_refined_options(layer, config, attention):
    """Removes the refined layer's options from `config`, refusing those that are on: they change
    the maths and add variables that the other forms do not have."""
    for option, off in RefinedSelfAttention.OPTIONS_OFF.items():
        value = config.pop(option, off)
        if value != off:
            raise ValueError(
                f"Layer {layer.name!r} uses the refined option {option}={value!r}, which the "
                f"{attention!r} form does not have. Received: attention={attention!r}. Convert "
                f"only models whose refined layers have {option}={off!r}."
            )


def convert_attention(model, attention):
    """Clones a functional or sequential model with every attention block in another form.

    All weights carry over: every form has the same variables. This is how a checkpoint of a
    softmax model is fine-tuned as refined or efficient (or the reverse): Keras keys the layers of a
    `.weights.h5` file by their class, so such a file only loads into a model with the same
    classes; load it into the model it was saved from, then convert.

    Args:
        model: a functional or sequential `keras.Model` containing `SelfAttention`,
            `RefinedSelfAttention` or `EfficientSelfAttention` layers.
        attention: `"softmax"`, `"refined"` or `"efficient"`, the form of every attention block
            in the result.

    Returns:
        A new model of the same architecture and weights.

    Example:

    >>> inputs = keras.Input((8, 8, 16))
    >>> softmax_model = keras.Model(inputs, SelfAttention()(inputs))
    >>> # softmax_model.load_weights("softmax.weights.h5"): a trained model's weights
    >>> refined_model = convert_attention(softmax_model, "refined")
    >>> type(refined_model.layers[-1]).__name__
    'RefinedSelfAttention'
    """
    if attention not in ATTENTION_CLASSES:
        raise ValueError(
            f"`attention` must be one of {sorted(ATTENTION_CLASSES)}. Received: "
            f"attention={attention!r}"
        )
    target_class = ATTENTION_CLASSES[attention]

    def clone_layer(layer):
        if isinstance(layer, BaseSelfAttention):
            config = layer.get_config()
            config.pop("fused", None)
            if target_class is not RefinedSelfAttention:
                _drop_refined_options(layer, config, attention)
            return target_class.from_config(config)
        return layer.__class__.from_config(layer.get_config())

    converted = keras.models.clone_model(model, clone_function=clone_layer)
    converted.set_weights(model.get_weights())
    return converted
