"""Pictures of what the attention layers of a model attend to, for TensorBoard.

- Softmax attention (`SelfAttention`): for a few query pixels, the attention map over the image
  (which pixels that query reads from), as heatmaps over the picture; the queries are marked.
- Refined attention (`RefinedSelfAttention`): there is no pixel-to-pixel map; the layer attends
  through its `(C_k, C_v)` channel-attention matrix `kᵀv / n`, drawn as a heatmap (blue negative,
  red positive, scaled per image).
"""

import math

import keras
import matplotlib
import numpy as np

from keras_refined_sa.layers import BaseSelfAttention, RefinedSelfAttention

# Fractions of the height and width where the query pixels sit: the four quadrant centres.
QUERY_POSITIONS = ((0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75))
_QUERY_COLOURS = np.array([[1, 0, 0], [0, 1, 0], [0, 0.4, 1], [1, 1, 0]], np.float32)
# Small pictures are enlarged (nearest neighbour) to at least this many pixels on a side.
_MIN_PIXELS = 96


def attention_layers(model):
    """The attention layers of `model`, nested ones included, in the order Keras tracks them."""
    return [layer for layer in model._flatten_layers() if isinstance(layer, BaseSelfAttention)]


class AttentionProbe:
    """Runs a model up to each of its attention layers and returns what they attend with.

    Args:
        model: a functional `keras.Model` (or a subclass built functionally, as the zoo's).

    Example:

    >>> probe = AttentionProbe(discriminator)
    >>> for layer, attention in probe(images):
    ...     print(layer.name, attention.shape)
    """

    def __init__(self, model):
        self.layers = attention_layers(model)
        self._features = None
        if self.layers:
            self._features = keras.Model(
                model.input, [layer.input for layer in self.layers], name=f"{model.name}_probe"
            )

    def __call__(self, inputs):
        """Returns `[(layer, attention, feature_shape)]` for `inputs` (numpy arrays)."""
        if not self.layers:
            return []
        features = self._features(inputs, training=False)
        if not isinstance(features, (list, tuple)):
            features = [features]
        results = []
        for layer, feature in zip(self.layers, features):
            _, attention = layer(feature, return_attention=True, training=False)
            results.append((layer, np.asarray(attention), tuple(feature.shape[1:3])))
        return results


def attention_picture(layer, attention, feature_shape, images, rows=3):
    """The picture of one layer's attention: query heatmaps, or the channel-attention matrix.

    Args:
        layer: the attention layer; a `RefinedSelfAttention` attends through a channel matrix,
            the others through a softmax map.
        attention: what the layer returned: `(batch, n, m)` softmax map or `(batch, C_k, C_v)`
            channel-attention matrix.
        feature_shape: `(height, width)` of the layer's feature map (n = height · width).
        images: `(batch, H, W, C)` images in [-1, 1] the model saw or made.
        rows: how many examples to draw.

    Returns:
        A uint8 RGB picture.
    """
    if isinstance(layer, RefinedSelfAttention):
        return channel_attention_picture(attention, rows)
    return softmax_attention_picture(attention, feature_shape, images, rows)


def softmax_attention_picture(attention, feature_shape, images, rows=3):
    """One row per example: the image with the query pixels marked, then one heatmap per query."""
    height, width = feature_shape
    keys = attention.shape[2]
    # Pooled keys and values make a coarser key grid with the feature map's aspect ratio.
    key_height = int(round(height * math.sqrt(keys / (height * width))))
    key_width = keys // key_height
    rgb = _enlarge(_to_rgb(images[:rows]), axes=(1, 2))
    image_height, image_width = rgb.shape[1:3]
    queries = [(int(fy * height), int(fx * width)) for fy, fx in QUERY_POSITIONS]
    lines = []
    for index in range(min(rows, attention.shape[0])):
        panels = [_mark_queries(rgb[index], queries, feature_shape)]
        gray = rgb[index].mean(axis=-1, keepdims=True)
        for colour, (y, x) in zip(_QUERY_COLOURS, queries):
            weights = attention[index, y * width + x].reshape(key_height, key_width)
            weights = weights / max(float(weights.max()), 1e-12)
            heat = _colourise(_resize_nearest(weights, image_height, image_width), "viridis")
            panel = 0.7 * heat + 0.3 * gray
            panels.append(_mark_queries(panel, [(y, x)], feature_shape, [colour]))
        lines.append(np.concatenate(_with_gaps(panels, axis=1), axis=1))
    return _as_uint8(np.concatenate(_with_gaps(lines, axis=0), axis=0))


def channel_attention_picture(attention, rows=3):
    """One heatmap per example of the `(C_k, C_v)` matrix, enlarged to be legible."""
    lines = []
    for matrix in attention[:rows]:
        limit = max(float(np.abs(matrix).max()), 1e-12)
        lines.append(_enlarge(_colourise((matrix / limit + 1.0) / 2.0, "coolwarm"), axes=(0, 1)))
    return _as_uint8(np.concatenate(_with_gaps(lines, axis=0), axis=0))


def _to_rgb(images):
    images = (np.clip(np.asarray(images, np.float32), -1.0, 1.0) + 1.0) / 2.0
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images


def _enlarge(array, axes):
    """Repeats pixels along the two `axes` so that the shorter side reaches `_MIN_PIXELS`."""
    factor = max(1, math.ceil(_MIN_PIXELS / min(array.shape[axis] for axis in axes)))
    for axis in axes:
        array = np.repeat(array, factor, axis=axis)
    return array


def _resize_nearest(array, height, width):
    rows = np.arange(height) * array.shape[0] // height
    columns = np.arange(width) * array.shape[1] // width
    return array[rows][:, columns]


def _colourise(values, colormap):
    return matplotlib.colormaps[colormap](np.clip(values, 0.0, 1.0))[..., :3].astype(np.float32)


def _mark_queries(picture, queries, feature_shape, colours=_QUERY_COLOURS):
    """Draws a small square where each query pixel of the feature map falls in the picture."""
    picture = np.array(picture, np.float32)
    scale_y = picture.shape[0] / feature_shape[0]
    scale_x = picture.shape[1] / feature_shape[1]
    size = max(1, int(min(scale_y, scale_x)))
    for colour, (y, x) in zip(colours, queries):
        top, left = int(y * scale_y), int(x * scale_x)
        picture[top : top + size, left : left + size] = colour
    return picture


def _with_gaps(pictures, axis, gap=2):
    shape = list(pictures[0].shape)
    shape[axis] = gap
    separator = np.ones(shape, np.float32)
    spaced = []
    for picture in pictures:
        spaced.extend([picture, separator])
    return spaced[:-1]


def _as_uint8(picture):
    return np.round(np.clip(picture, 0.0, 1.0) * 255.0).astype(np.uint8)
