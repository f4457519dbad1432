"""A convolutional encoder-decoder for image reconstruction, with attention on both sides.

The encoder is the SAGAN discriminator's residual blocks without spectral normalisation: a
full-resolution stem block, then blocks halving the resolution while the side is even and above 8.
A 3×3 convolution squeezes the last map to `latent_channels`; the decoder mirrors the encoder with
the generator's up-blocks (batch norm, nearest-neighbour upsampling) and ends in BN-ReLU-conv-tanh.
Attention blocks follow the encoder and decoder blocks whose output has a side listed in
`attention_resolutions`. Plain, denoising and inpainting training differ only in the inputs the
trainer feeds.
"""

import keras

from zoo import validation
from zoo.attention import apply_attention, check_attention_kind
from zoo.blocks import (
    apply_down_block,
    apply_optimized_block,
    apply_output_block,
    apply_up_block,
    conv2d,
)
from zoo.registry import register_family

MIN_RESOLUTION = 32
MAX_RESOLUTION = 256
# The encoder halves the resolution while the side is even and above this.
MAX_BOTTLENECK = 8
# Channels at each level are `ch` times 1, 2, 4, 8, 8, ... from full resolution down.
MAX_MULTIPLIER = 8
IMAGE_CHANNELS = (1, 3)
TRAINING_DEFAULTS = {"learning_rate": 2e-4, "beta_1": 0.9, "beta_2": 0.999}


def level_resolutions(resolution):
    """The sides of the encoder's feature maps, from `resolution` down to the bottleneck."""
    sides = [resolution]
    while sides[-1] % 2 == 0 and sides[-1] > MAX_BOTTLENECK:
        sides.append(sides[-1] // 2)
    return sides


def level_multiplier(level):
    """Channel multiplier of `ch` at `level` (0 = full resolution)."""
    return min(2**level, MAX_MULTIPLIER)


def _check_arguments(resolution, channels, ch, latent_channels, attention, attention_resolutions):
    """Checks the arguments; returns the attention resolutions as a sorted tuple."""
    if (
        not isinstance(resolution, int)
        or isinstance(resolution, bool)
        or resolution % 8
        or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION
    ):
        raise ValueError(
            f"`resolution` must be a multiple of 8 from {MIN_RESOLUTION} to {MAX_RESOLUTION}. "
            f"Received: resolution={resolution!r}"
        )
    validation.check_choice("channels", channels, IMAGE_CHANNELS)
    validation.check_integer("ch", ch, 1)
    validation.check_integer("latent_channels", latent_channels, 1)
    check_attention_kind(attention)
    sides = level_resolutions(resolution)
    # The decoder's first block already doubles the bottleneck: it has no map at the bottleneck.
    reachable = sides[:-1]
    if attention_resolutions is None:
        attention_resolutions = (validation.default_attention_resolution(reachable),)
    if isinstance(attention_resolutions, int):
        raise ValueError(
            "`attention_resolutions` must be a list or tuple of sides. Received: "
            f"attention_resolutions={attention_resolutions!r}; pass ({attention_resolutions},)"
        )
    attention_resolutions = tuple(sorted(set(attention_resolutions), reverse=True))
    for side in attention_resolutions:
        validation.check_attention_resolution(
            "attention_resolutions", side, reachable, "encoder and the decoder"
        )
    if attention != "none" and attention_resolutions:
        validation.check_attention_width(
            ch,
            {
                f"{side}×{side} maps": level_multiplier(sides.index(side))
                for side in attention_resolutions
            },
        )
    return attention_resolutions


@register_family("autoencoder")
@keras.saving.register_keras_serializable(package="zoo")
class Autoencoder(keras.Model):
    """Residual convolutional autoencoder: images in [-1, 1] to reconstructions in [-1, 1].

    Built by `zoo.create("autoencoder_<kind>")`, kind "softmax", "refined", "efficient" or "none".

    Args:
        resolution: image side, a multiple of 8 from 32 to 256.
        channels: image channels, 1 or 3.
        ch: width; the maps have `ch` times 1, 2, 4, 8, 8, ... channels from full resolution
            down to the bottleneck (the encoder halves the side while it is even and above 8).
        latent_channels: channels of the bottleneck code.
        attention: "softmax", "refined", "efficient" or "none".
        attention_resolutions: sides of the feature maps that get an attention block, in the
            encoder and in the decoder; any side from `resolution` down to twice the bottleneck
            side. None for the largest of them not above 32. An empty tuple adds no block.
        pool_key_value: max-pool the attention's keys and values 2×2.
        sync_batch_norm: synchronised batch norm in the decoder (TensorFlow only).
        **kwargs: `keras.Model` arguments (`name`, `trainable`).

    Example:

    >>> autoencoder = Autoencoder(resolution=64, channels=1, ch=8)
    >>> autoencoder.output_shape
    (None, 64, 64, 1)
    """

    family = "autoencoder"

    def __init__(
        self,
        resolution=64,
        channels=3,
        ch=64,
        latent_channels=16,
        attention="refined",
        attention_resolutions=None,
        pool_key_value=True,
        sync_batch_norm=False,
        name="autoencoder",
        **kwargs,
    ):
        attention_resolutions = _check_arguments(
            resolution, channels, ch, latent_channels, attention, attention_resolutions
        )
        sides = level_resolutions(resolution)

        def attend(h, side, prefix):
            if side not in attention_resolutions:
                return h
            return apply_attention(
                h,
                attention,
                pool_key_value=pool_key_value,
                spectral_norm=False,
                name=f"{prefix}_attention_{side}",
            )

        images = keras.Input((resolution, resolution, channels), name="images")
        h = apply_optimized_block(
            images, ch, downsample=False, spectral_norm=False, name="encoder_block1"
        )
        h = attend(h, resolution, "encoder")
        for level, side in enumerate(sides[1:], start=1):
            h = apply_down_block(
                h,
                level_multiplier(level) * ch,
                spectral_norm=False,
                name=f"encoder_block{level + 1}",
            )
            h = attend(h, side, "encoder")
        h = keras.layers.ReLU(name="encoder_relu")(h)
        code = conv2d(latent_channels, 3, spectral_norm=False, name="encoder_latent")(h)

        bottleneck_channels = level_multiplier(len(sides) - 1) * ch
        h = conv2d(bottleneck_channels, 3, spectral_norm=False, name="decoder_input")(code)
        for block, level in enumerate(reversed(range(len(sides) - 1)), start=1):
            h = apply_up_block(
                h,
                level_multiplier(level) * ch,
                spectral_norm=False,
                synchronized=sync_batch_norm,
                name=f"decoder_block{block}",
            )
            h = attend(h, sides[level], "decoder")
        reconstructions = apply_output_block(
            h, channels, spectral_norm=False, synchronized=sync_batch_norm, name="decoder_output"
        )
        super().__init__(inputs=images, outputs=reconstructions, name=name, **kwargs)

        self.resolution = resolution
        self.channels = channels
        self.ch = ch
        self.latent_channels = latent_channels
        self.attention = attention
        self.attention_resolutions = attention_resolutions
        self.pool_key_value = pool_key_value
        self.sync_batch_norm = sync_batch_norm

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
            "latent_channels": self.latent_channels,
            "attention": self.attention,
            "attention_resolutions": list(self.attention_resolutions),
            "pool_key_value": self.pool_key_value,
            "sync_batch_norm": self.sync_batch_norm,
        }
