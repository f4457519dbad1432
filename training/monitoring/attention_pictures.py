"""Pictures of where the attention layers of a model look, for TensorBoard.

For a few query pixels (marked on the image, one colour each), each attention layer's picture
shows, laid over the image, the weight of every key position for that query: its row of an
attention map, computed for those pixels alone (`BaseSelfAttention.attention_rows`, O(m) per
query). Each example gets two lines, from the same q and k:

- first the layer's own map: the explicit `softmax(q kᵀ)` of `SelfAttention`, or the implicit map
  of `RefinedSelfAttention` (`q kᵀ / m`) or `EfficientSelfAttention`
  (`softmax_channels(q) softmax_positions(k)ᵀ`), which those layers never form;
- then the map of the same weights under another normalisation: softmax's for the refined and
  efficient layers, refined's for a softmax layer. After moving a model's weights from one form
  into another, the two lines show what the change of normalisation does.

Distributions (softmax, efficient) are drawn in viridis, scaled to each row's maximum; the
refined map's signed weights in coolwarm (blue negative, red positive), scaled to each row's
largest magnitude.
"""

import math

import keras
import matplotlib
import numpy as np

from keras_refined_sa.layers import BaseSelfAttention

# Fractions of the height and width where the query pixels sit: the four quadrant centres.
QUERY_POSITIONS = ((0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75))
# The form drawn under each layer's own: softmax for the linear forms, refined for softmax.
COMPARED_FORMS = {"softmax": "refined", "refined": "softmax", "efficient": "softmax"}
# Forms whose maps have signed weights (a diverging colour map), the others being distributions.
_SIGNED_FORMS = ("refined",)
_QUERY_COLOURS = np.array([[1, 0, 0], [0, 1, 0], [0, 0.4, 1], [1, 1, 0]], np.float32)
# White pixels between the examples; the lines of one example are 2 apart.
_EXAMPLE_GAP = 8
# Small pictures are enlarged (nearest neighbour) to at least this many pixels on a side.
_MIN_PIXELS = 96


def attention_layers(model):
    """The attention layers of `model`, nested ones included, in the order Keras tracks them."""
    return [layer for layer in model._flatten_layers() if isinstance(layer, BaseSelfAttention)]


class AttentionProbe:
    """Runs a model up to each of its attention layers and returns the features they see.

    Args:
        model: a functional `keras.Model` (or a subclass built functionally, as the zoo's).

    Example:

    >>> import zoo
    >>> discriminator = zoo.create("sagan_refined", resolution=32, ch=8).discriminator
    >>> probe = AttentionProbe(discriminator)
    >>> for layer, features in probe(np.zeros((2, 32, 32, 3), "float32")):
    ...     print(layer.name, features.shape)
    d_attention (2, 16, 16, 32)
    """

    def __init__(self, model):
        self.layers = attention_layers(model)
        self._features = None
        if self.layers:
            self._features = keras.Model(
                model.input, [layer.input for layer in self.layers], name=f"{model.name}_probe"
            )

    def __call__(self, inputs):
        """Returns `[(layer, features)]` for `inputs`, features as numpy arrays."""
        if not self.layers:
            return []
        features = self._features(inputs, training=False)
        if not isinstance(features, (list, tuple)):
            features = [features]
        return [
            (layer, keras.ops.convert_to_numpy(feature))
            for layer, feature in zip(self.layers, features)
        ]


def query_pixels(feature_shape):
    """The `(row, column)` query pixels of a `(height, width)` feature map: `QUERY_POSITIONS`."""
    height, width = feature_shape
    return [(int(fy * height), int(fx * width)) for fy, fx in QUERY_POSITIONS]


def picture_rows(layer, features):
    """The query pixels' attention rows the picture of `layer` draws, `{form: rows}`.

    Args:
        layer: an attention layer with a form of its own (`layer.attention_form`).
        features: `(batch, height, width, channels)`, the layer's input.

    Returns:
        The layer's own form first, then `COMPARED_FORMS[own]`, each a float32 array
        `(batch, len(QUERY_POSITIONS), key_height, key_width)`.
    """
    pixels = query_pixels(features.shape[1:3])
    forms = (layer.attention_form, COMPARED_FORMS[layer.attention_form])
    return {
        form: keras.ops.convert_to_numpy(
            layer.attention_rows(features, pixels, form=form, training=False)
        )
        for form in forms
    }


def attention_picture(layer, features, images, rows=3):
    """The picture of one attention layer: its own rows and the compared form's, per example.

    Args:
        layer: the attention layer.
        features: `(batch, height, width, channels)`, what the layer saw.
        images: `(batch, H, W, C)` images in [-1, 1] the model saw or made.
        rows: how many examples to draw.

    Returns:
        A uint8 RGB picture.
    """
    features = features[:rows]
    return rows_picture(picture_rows(layer, features), features.shape[1:3], images, rows)


def rows_picture(maps, feature_shape, images, rows=3):
    """Per example, one line per form of `maps`: the image with the query pixels marked, then
    one heatmap per query over the image.

    Args:
        maps: `{form: (batch, queries, key_height, key_width)}`, the rows of `query_pixels`.
        feature_shape: `(height, width)` of the attention layer's feature map.
        images: `(batch, H, W, C)` images in [-1, 1].
        rows: how many examples to draw.
    """
    rgb = _enlarge(_to_rgb(images[:rows]), axes=(1, 2))
    image_height, image_width = rgb.shape[1:3]
    queries = query_pixels(feature_shape)
    examples = []
    for index in range(min(rows, len(rgb), *(len(weights) for weights in maps.values()))):
        marked = _mark_queries(rgb[index], queries, feature_shape)
        gray = rgb[index].mean(axis=-1, keepdims=True)
        lines = []
        for form, weights in maps.items():
            panels = [marked]
            for colour, query, row in zip(_QUERY_COLOURS, queries, weights[index]):
                heat = _resize_nearest(_heatmap(row, form), image_height, image_width)
                panel = 0.7 * heat + 0.3 * gray
                panels.append(_mark_queries(panel, [query], feature_shape, [colour]))
            lines.append(np.concatenate(_with_gaps(panels, axis=1), axis=1))
        examples.append(np.concatenate(_with_gaps(lines, axis=0), axis=0))
    return _as_uint8(np.concatenate(_with_gaps(examples, axis=0, gap=_EXAMPLE_GAP), axis=0))


def _heatmap(row, form):
    """One query's `(key_height, key_width)` weights as RGB: viridis from 0 to the maximum for
    distributions, coolwarm symmetric about 0 for signed maps."""
    if form in _SIGNED_FORMS:
        limit = max(float(np.abs(row).max()), 1e-12)
        return _colourise((row / limit + 1.0) / 2.0, "coolwarm")
    return _colourise(row / max(float(row.max()), 1e-12), "viridis")


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
