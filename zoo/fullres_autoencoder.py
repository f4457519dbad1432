"""A full-resolution reconstruction network with a stated receptive field and one attention block.

No downsampling and no normalisation: without attention, output pixel `(i, j)` is a function of
the input pixels within `receptive_field(blocks)` (a square of side `2 * blocks + 3`) around
`(i, j)` and of nothing else, batch included. Holes larger than that window cannot be filled
from what lies outside it unless the attention block carries it in: the designed tasks of
docs/attention_tasks.md are built on this.

Layers: sinusoidal position channels (optional) concatenated to the image, a 3×3 stem
convolution to `ch` channels, `blocks` residual blocks (ReLU, 3×3 conv, ReLU, 1×1 conv, plus the
input), ReLU, a 1×1 output convolution and tanh. One attention block (through
`zoo.attention.apply_attention`, the base layer of every zoo family) follows residual block
`attention_after`.
"""

import math

import keras
from keras import ops

from zoo import validation
from zoo.attention import apply_attention, check_attention_kind
from zoo.blocks import conv2d
from zoo.registry import register_family

MIN_RESOLUTION, MAX_RESOLUTION = 16, 128
IMAGE_CHANNELS = (1, 3)
TRAINING_DEFAULTS = {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999}


def receptive_field(blocks):
    """Side of the square of input pixels one output pixel depends on, without attention.

    The stem and each block's 3×3 convolution widen it by 2; the 1×1 convolutions do not.

    Example:

    >>> receptive_field(3)
    9
    """
    return 2 * (1 + blocks) + 1


@keras.saving.register_keras_serializable(package="zoo")
class PositionChannels(keras.layers.Layer):
    """Concatenates `4 * frequencies` constant channels: sin and cos of `π 2^f u` for each axis.

    `u = (index + 0.5) / side` runs over (0, 1). The mirror image `1 - u` of a position has the
    same features up to fixed signs, so one linear map of a query's features can point at its
    mirrored key, and distinct positions differ in at least one channel.

    Example:

    >>> tuple(PositionChannels(2)(ops.zeros((1, 8, 8, 1))).shape)
    (1, 8, 8, 9)
    """

    def __init__(self, frequencies, **kwargs):
        super().__init__(**kwargs)
        self.frequencies = frequencies

    def call(self, images):
        height, width = images.shape[1], images.shape[2]
        rows = self._features(height)[:, None, :]
        columns = self._features(width)[None, :, :]
        grid = ops.concatenate(
            [ops.broadcast_to(rows, (height, width, rows.shape[-1])),
             ops.broadcast_to(columns, (height, width, columns.shape[-1]))],
            axis=-1,
        )
        grid = ops.cast(grid, images.dtype)
        batch = ops.shape(images)[0]
        grid = ops.broadcast_to(grid[None], (batch, height, width, grid.shape[-1]))
        return ops.concatenate([images, grid], axis=-1)

    def _features(self, side):
        u = (ops.arange(side, dtype="float32") + 0.5) / side
        angles = [math.pi * 2.0**f * u for f in range(self.frequencies)]
        return ops.stack([ops.sin(a) for a in angles] + [ops.cos(a) for a in angles], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 4 * self.frequencies)

    def get_config(self):
        return {**super().get_config(), "frequencies": self.frequencies}


def _check_arguments(resolution, channels, ch, blocks, attention, attention_after, frequencies):
    if (
        not isinstance(resolution, int)
        or isinstance(resolution, bool)
        or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION
    ):
        raise ValueError(
            f"`resolution` must be an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}. "
            f"Received: resolution={resolution!r}"
        )
    validation.check_choice("channels", channels, IMAGE_CHANNELS)
    validation.check_integer("ch", ch, 1)
    validation.check_integer("blocks", blocks, 1)
    validation.check_integer("position_frequencies", frequencies, 0)
    check_attention_kind(attention)
    if attention_after is None:
        attention_after = (blocks + 1) // 2
    if not isinstance(attention_after, int) or not 1 <= attention_after <= blocks:
        raise ValueError(
            f"`attention_after` must be a block number from 1 to blocks={blocks}. "
            f"Received: attention_after={attention_after!r}"
        )
    if attention != "none":
        validation.check_attention_width(ch, {f"{resolution}×{resolution} map": 1})
    return attention_after


@register_family("fullres")
@keras.saving.register_keras_serializable(package="zoo")
class FullResolutionAutoencoder(keras.Model):
    """Images in [-1, 1] to reconstructions in [-1, 1], at full resolution throughout.

    Built by `zoo.create("fullres_<kind>")`, kind "softmax", "refined", "efficient" or "none";
    trained by the reconstruction family like `autoencoder_*`. Without attention each output
    pixel sees only `receptive_field(blocks)` input pixels per side.

    Args:
        resolution: image side, 16 to 128 (attention covers the full map: n = resolution²).
        channels: image channels, 1 or 3.
        ch: width of every feature map; a multiple of 8 with attention.
        blocks: residual blocks; the receptive field is `2 * blocks + 3` pixels wide.
        attention: "softmax", "refined", "efficient" or "none".
        attention_after: the block the attention block follows; None for `(blocks + 1) // 2`.
        position_frequencies: sin/cos frequencies of the position channels per axis (0: none).
        pool_key_value: max-pool the attention's keys and values 2×2 (off: retrieval of one
            pixel needs the pixel, not the maximum of four).
        **kwargs: `keras.Model` arguments (`name`, `trainable`).

    Example:

    >>> model = FullResolutionAutoencoder(resolution=32, channels=1, ch=8)
    >>> model.output_shape, model.receptive_field
    ((None, 32, 32, 1), 9)
    """

    family = "fullres"

    def __init__(
        self,
        resolution=32,
        channels=3,
        ch=32,
        blocks=3,
        attention="refined",
        attention_after=None,
        position_frequencies=4,
        pool_key_value=False,
        name="fullres_autoencoder",
        **kwargs,
    ):
        attention_after = _check_arguments(
            resolution, channels, ch, blocks, attention, attention_after, position_frequencies
        )
        images = keras.Input((resolution, resolution, channels), name="images")
        h = images
        if position_frequencies:
            h = PositionChannels(position_frequencies, name="position_channels")(h)
        h = conv2d(ch, 3, spectral_norm=False, name="stem_conv")(h)
        for block in range(1, blocks + 1):
            r = keras.layers.ReLU(name=f"block{block}_relu1")(h)
            r = conv2d(ch, 3, spectral_norm=False, name=f"block{block}_conv3x3")(r)
            r = keras.layers.ReLU(name=f"block{block}_relu2")(r)
            r = conv2d(ch, 1, spectral_norm=False, name=f"block{block}_conv1x1")(r)
            h = keras.layers.Add(name=f"block{block}_add")([h, r])
            if block == attention_after:
                h = apply_attention(
                    h, attention, pool_key_value=pool_key_value, spectral_norm=False,
                    name="attention",
                )
        h = keras.layers.ReLU(name="output_relu")(h)
        h = conv2d(channels, 1, spectral_norm=False, name="output_conv")(h)
        reconstructions = keras.layers.Activation("tanh", dtype="float32", name="output_tanh")(h)
        super().__init__(inputs=images, outputs=reconstructions, name=name, **kwargs)

        self.resolution = resolution
        self.channels = channels
        self.ch = ch
        self.blocks = blocks
        self.attention = attention
        self.attention_after = attention_after
        self.position_frequencies = position_frequencies
        self.pool_key_value = pool_key_value

    @property
    def receptive_field(self):
        """Side of the input window one output pixel sees without attention."""
        return receptive_field(self.blocks)

    def networks(self):
        """`{role: keras.Model}`: what is trained and saved (`zoo.presets`).

        A method, not a property: Keras's weight saving walks an object's attributes."""
        return {"autoencoder": self}

    @property
    def defaults(self):
        """Training defaults: Adam learning rate and betas."""
        return dict(TRAINING_DEFAULTS)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "resolution": self.resolution,
            "channels": self.channels,
            "ch": self.ch,
            "blocks": self.blocks,
            "attention": self.attention,
            "attention_after": self.attention_after,
            "position_frequencies": self.position_frequencies,
            "pool_key_value": self.pool_key_value,
        }
