"""SAGAN: the BigGAN-style ResNet generator and projection discriminator with one attention block.

The architecture is the one of the SAGAN paper and its official code, with the channel tables of
BigGAN for 32, 64, 128 and 256 px: spectral normalisation on every convolution and dense layer of
both networks (and in the attention projections), batch norm in the generator (conditional on the
class when `num_classes > 0`), ReLU, global sum pooling, a projection discriminator when
conditional and a tanh output. The attention block follows the block whose output has
`attention_resolution` pixels on a side, in each network.

Reference:
- [Zhang et al., Self-Attention Generative Adversarial Networks](https://arxiv.org/abs/1805.08318)
- [Brock et al., Large Scale GAN Training (BigGAN)](https://arxiv.org/abs/1809.11096)
- [Miyato and Koyama, cGANs with Projection Discriminator](https://arxiv.org/abs/1802.05637)
"""

import collections

import keras

from keras_refined_sa.layers import GlobalSumPooling2D
from zoo import validation
from zoo.attention import apply_attention, check_attention_kind
from zoo.blocks import (
    apply_down_block,
    apply_optimized_block,
    apply_output_block,
    apply_up_block,
    spectral_layer,
)
from zoo.registry import register_family

RESOLUTIONS = (32, 64, 128, 256)
IMAGE_CHANNELS = (1, 3)
# The generator starts from a 4×4 map.
BOTTOM_RESOLUTION = 4
# BigGAN's tables: channel multipliers of `ch`. Generator: the 4×4 map, then one up-block per
# doubling. Discriminator: one block each, the first `halvings` of them halving the resolution.
GENERATOR_MULTIPLIERS = {
    32: (4, 4, 4, 4),
    64: (16, 16, 8, 4, 2),
    128: (16, 16, 8, 4, 2, 1),
    256: (16, 16, 8, 8, 4, 2, 1),
}
DISCRIMINATOR_ARCHITECTURE = {
    32: {"multipliers": (4, 4, 4, 4), "halvings": 2},
    64: {"multipliers": (1, 2, 4, 8, 16), "halvings": 4},
    128: {"multipliers": (1, 2, 4, 8, 16, 16), "halvings": 5},
    256: {"multipliers": (1, 2, 4, 8, 8, 16, 16), "halvings": 6},
}
# Two time-scale update rule of the SAGAN paper.
TRAINING_DEFAULTS = {
    "g_learning_rate": 1e-4,
    "d_learning_rate": 4e-4,
    "beta_1": 0.0,
    "beta_2": 0.9,
    "n_disc": 1,
}

Block = collections.namedtuple("Block", ["index", "multiplier", "resolution", "downsample"])


def generator_blocks(resolution):
    """The generator's up-blocks at `resolution`, numbered from 1, each doubling the resolution."""
    multipliers = GENERATOR_MULTIPLIERS[resolution][1:]
    return [
        Block(index, multiplier, BOTTOM_RESOLUTION * 2**index, True)
        for index, multiplier in enumerate(multipliers, start=1)
    ]


def discriminator_blocks(resolution):
    """The discriminator's blocks at `resolution`, numbered from 1; block 1 is the optimized one."""
    architecture = DISCRIMINATOR_ARCHITECTURE[resolution]
    blocks = []
    for index, multiplier in enumerate(architecture["multipliers"], start=1):
        halvings = min(index, architecture["halvings"])
        downsample = index <= architecture["halvings"]
        blocks.append(Block(index, multiplier, resolution // 2**halvings, downsample))
    return blocks


def _resolve_attention_resolution(arguments, networks):
    """Checks all arguments; returns the attention resolution, resolving None to the default.

    Args:
        arguments: dict with resolution, channels, ch, num_classes, attention and
            attention_resolution.
        networks: the networks the attention block goes into, among "generator" and
            "discriminator".
    """
    resolution = arguments["resolution"]
    validation.check_choice("resolution", resolution, RESOLUTIONS)
    validation.check_choice("channels", arguments["channels"], IMAGE_CHANNELS)
    validation.check_integer("ch", arguments["ch"], 1)
    validation.check_integer("num_classes", arguments["num_classes"], 0)
    check_attention_kind(arguments["attention"])
    blocks = {
        "generator": generator_blocks(resolution),
        "discriminator": discriminator_blocks(resolution),
    }
    attention_resolution = arguments["attention_resolution"]
    if attention_resolution is None:
        # One default for the pair, so that a network built alone matches the pair's.
        shared = set.intersection(*({b.resolution for b in bs} for bs in blocks.values()))
        attention_resolution = validation.default_attention_resolution(shared)
    reachable = set.intersection(*({b.resolution for b in blocks[n]} for n in networks))
    validation.check_attention_resolution(
        "attention_resolution", attention_resolution, reachable, " and the ".join(networks)
    )
    if arguments["attention"] != "none":
        size = f"{attention_resolution}×{attention_resolution}"
        validation.check_attention_width(
            arguments["ch"],
            {
                f"{network} at {size}": _attention_block(blocks[network], attention_resolution)
                .multiplier
                for network in networks
            },
        )
    return attention_resolution


def _attention_block(blocks, attention_resolution):
    """The first block whose output has the attention resolution: the attention follows it."""
    return next(block for block in blocks if block.resolution == attention_resolution)


def _labels_input(num_classes):
    return keras.Input((), dtype="int32", name="labels") if num_classes else None


@keras.saving.register_keras_serializable(package="zoo")
class SAGANGenerator(keras.Model):
    """SAGAN's ResNet generator: latent vector (and class label) to an image in [-1, 1].

    z -> SN-dense to a 4×4 map -> up-blocks (one per doubling) with the attention block after the
    one that reaches `attention_resolution` -> BN-ReLU-conv-tanh.

    Args:
        resolution: image side, one of 32, 64, 128, 256.
        channels: image channels, 1 or 3.
        ch: width; block channels are `ch` times BigGAN's multipliers.
        latent_dim: size of the latent vector z.
        num_classes: number of classes for conditional batch norm, 0 for an unconditional model.
        attention: "softmax", "refined" or "none".
        attention_resolution: side of the feature map the attention block sees; None for 32
            (16 at 32 px, where the discriminator has no 32×32 features).
        pool_key_value: max-pool the attention's keys and values 2×2, as the official code.
        sync_batch_norm: synchronised batch norm across replicas (TensorFlow only).
        **kwargs: `keras.Model` arguments (`name`, `trainable`).

    Example:

    >>> generator = SAGANGenerator(resolution=32, ch=8)
    >>> generator.output_shape
    (None, 32, 32, 3)
    """

    def __init__(
        self,
        resolution=128,
        channels=3,
        ch=64,
        latent_dim=128,
        num_classes=0,
        attention="refined",
        attention_resolution=None,
        pool_key_value=True,
        sync_batch_norm=False,
        name="sagan_generator",
        **kwargs,
    ):
        arguments = dict(
            resolution=resolution,
            channels=channels,
            ch=ch,
            num_classes=num_classes,
            attention=attention,
            attention_resolution=attention_resolution,
        )
        validation.check_integer("latent_dim", latent_dim, 1)
        attention_resolution = _resolve_attention_resolution(arguments, ["generator"])
        blocks = generator_blocks(resolution)
        attend_after = _attention_block(blocks, attention_resolution).index

        z = keras.Input((latent_dim,), name="z")
        labels = _labels_input(num_classes)
        bottom_channels = GENERATOR_MULTIPLIERS[resolution][0] * ch
        h = spectral_layer(
            keras.layers.Dense,
            BOTTOM_RESOLUTION * BOTTOM_RESOLUTION * bottom_channels,
            spectral_norm=True,
            name="g_dense",
        )(z)
        h = keras.layers.Reshape(
            (BOTTOM_RESOLUTION, BOTTOM_RESOLUTION, bottom_channels), name="g_reshape"
        )(h)
        for block in blocks:
            h = apply_up_block(
                h,
                block.multiplier * ch,
                labels=labels,
                num_classes=num_classes,
                synchronized=sync_batch_norm,
                name=f"g_block{block.index}",
            )
            if block.index == attend_after:
                h = apply_attention(
                    h,
                    attention,
                    pool_key_value=pool_key_value,
                    spectral_norm=True,
                    name="g_attention",
                )
        images = apply_output_block(h, channels, synchronized=sync_batch_norm, name="g_output")
        inputs = [z, labels] if num_classes else z
        super().__init__(inputs=inputs, outputs=images, name=name, **kwargs)

        self.resolution = resolution
        self.channels = channels
        self.ch = ch
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.attention = attention
        self.attention_resolution = attention_resolution
        self.pool_key_value = pool_key_value
        self.sync_batch_norm = sync_batch_norm

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "resolution": self.resolution,
            "channels": self.channels,
            "ch": self.ch,
            "latent_dim": self.latent_dim,
            "num_classes": self.num_classes,
            "attention": self.attention,
            "attention_resolution": self.attention_resolution,
            "pool_key_value": self.pool_key_value,
            "sync_batch_norm": self.sync_batch_norm,
        }


@keras.saving.register_keras_serializable(package="zoo")
class SAGANDiscriminator(keras.Model):
    """SAGAN's ResNet discriminator: an image (and class label) to one real/fake logit.

    Optimized block -> down-blocks with the attention block after the one that reaches
    `attention_resolution` -> ReLU -> global sum pooling -> SN-dense(1), plus the projection
    `<embed(label), features>` when conditional. The logits are float32.

    Args:
        resolution: image side, one of 32, 64, 128, 256.
        channels: image channels, 1 or 3.
        ch: width; block channels are `ch` times BigGAN's multipliers.
        num_classes: number of classes for the projection, 0 for an unconditional model.
        attention: "softmax", "refined" or "none".
        attention_resolution: side of the feature map the attention block sees; None for 32
            (16 at 32 px, where the discriminator has no 32×32 features).
        pool_key_value: max-pool the attention's keys and values 2×2, as the official code.
        **kwargs: `keras.Model` arguments (`name`, `trainable`).

    Example:

    >>> discriminator = SAGANDiscriminator(resolution=32, ch=8)
    >>> discriminator.output_shape
    (None, 1)
    """

    def __init__(
        self,
        resolution=128,
        channels=3,
        ch=64,
        num_classes=0,
        attention="refined",
        attention_resolution=None,
        pool_key_value=True,
        name="sagan_discriminator",
        **kwargs,
    ):
        arguments = dict(
            resolution=resolution,
            channels=channels,
            ch=ch,
            num_classes=num_classes,
            attention=attention,
            attention_resolution=attention_resolution,
        )
        attention_resolution = _resolve_attention_resolution(arguments, ["discriminator"])
        blocks = discriminator_blocks(resolution)
        attend_after = _attention_block(blocks, attention_resolution).index

        images = keras.Input((resolution, resolution, channels), name="images")
        labels = _labels_input(num_classes)
        h = images
        for block in blocks:
            apply_block = apply_optimized_block if block.index == 1 else apply_down_block
            h = apply_block(
                h, block.multiplier * ch, downsample=block.downsample, name=f"d_block{block.index}"
            )
            if block.index == attend_after:
                h = apply_attention(
                    h,
                    attention,
                    pool_key_value=pool_key_value,
                    spectral_norm=True,
                    name="d_attention",
                )
        h = keras.layers.ReLU(name="d_relu")(h)
        features = GlobalSumPooling2D(name="d_sum_pool")(h)
        logits = spectral_layer(keras.layers.Dense, 1, spectral_norm=True, name="d_dense")(
            features
        )
        if num_classes:
            logits = keras.layers.Add(name="d_add_projection")(
                [logits, _apply_projection(features, labels, num_classes)]
            )
        logits = keras.layers.Activation("linear", dtype="float32", name="d_logits")(logits)
        inputs = [images, labels] if num_classes else images
        super().__init__(inputs=inputs, outputs=logits, name=name, **kwargs)

        self.resolution = resolution
        self.channels = channels
        self.ch = ch
        self.num_classes = num_classes
        self.attention = attention
        self.attention_resolution = attention_resolution
        self.pool_key_value = pool_key_value

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "resolution": self.resolution,
            "channels": self.channels,
            "ch": self.ch,
            "num_classes": self.num_classes,
            "attention": self.attention,
            "attention_resolution": self.attention_resolution,
            "pool_key_value": self.pool_key_value,
        }


def _apply_projection(features, labels, num_classes):
    """The projection term `<embed(label), features>` of the discriminator, shape (batch, 1).

    The class embedding is a spectrally normalised bias-free dense layer on one-hot labels:
    the same matrix as an embedding table, but `SpectralNormalization` casts its output to the
    input's dtype, which for an `Embedding` would be the integer labels'.
    """
    one_hot = keras.layers.CategoryEncoding(
        num_classes, output_mode="one_hot", name="d_labels_one_hot"
    )(labels)
    embedded = spectral_layer(
        keras.layers.Dense,
        features.shape[-1],
        use_bias=False,
        spectral_norm=True,
        name="d_embedding",
    )(one_hot)
    return keras.layers.Dot(axes=1, name="d_projection")([embedded, features])


@register_family("sagan")
class SAGAN:
    """A SAGAN generator and discriminator pair with the family's training defaults.

    Built by `zoo.create("sagan_softmax" | "sagan_refined" | "sagan_none", **overrides)`.

    Args:
        attention: "softmax", "refined" or "none" (fixed by the registered name).
        resolution: image side, one of 32, 64, 128, 256.
        channels: image channels, 1 or 3.
        ch: width; block channels are `ch` times BigGAN's multipliers.
        num_classes: classes of a conditional pair (conditional batch norm in the generator,
            projection in the discriminator); 0 for an unconditional pair.
        latent_dim: size of the latent vector z.
        attention_resolution: side of the feature maps the attention blocks see, one both
            networks reach; None for 32 (16 at 32 px).
        pool_key_value: max-pool the attention's keys and values 2×2, as the official code.
        sync_batch_norm: synchronised batch norm in the generator (TensorFlow only).

    Attributes:
        generator: `SAGANGenerator`, z (and labels) -> images.
        discriminator: `SAGANDiscriminator`, images (and labels) -> logits.
        defaults: learning rates, Adam betas and discriminator steps of the SAGAN paper.

    Example:

    >>> gan = SAGAN(attention="refined", resolution=32, ch=8)
    >>> images = gan.generator(keras.random.normal((2, gan.latent_dim)))
    >>> gan.discriminator(images).shape
    (2, 1)
    """

    family = "sagan"

    def __init__(
        self,
        attention="refined",
        resolution=128,
        channels=3,
        ch=64,
        num_classes=0,
        latent_dim=128,
        attention_resolution=None,
        pool_key_value=True,
        sync_batch_norm=False,
    ):
        arguments = dict(
            resolution=resolution,
            channels=channels,
            ch=ch,
            num_classes=num_classes,
            attention=attention,
            attention_resolution=attention_resolution,
        )
        arguments["attention_resolution"] = _resolve_attention_resolution(
            arguments, ["generator", "discriminator"]
        )
        arguments["pool_key_value"] = pool_key_value
        self.generator = SAGANGenerator(
            latent_dim=latent_dim, sync_batch_norm=sync_batch_norm, **arguments
        )
        self.discriminator = SAGANDiscriminator(**arguments)
        self.attention = attention
        self.resolution = resolution
        self.channels = channels
        self.ch = ch
        self.num_classes = num_classes
        self.latent_dim = latent_dim
        self.attention_resolution = arguments["attention_resolution"]
        self.pool_key_value = pool_key_value
        self.sync_batch_norm = sync_batch_norm

    @property
    def defaults(self):
        """Training defaults: Adam learning rates and betas, discriminator steps per G step."""
        return dict(TRAINING_DEFAULTS)

    def get_config(self):
        """The constructor arguments; `SAGAN.from_config(config)` builds an equal pair."""
        return {
            "attention": self.attention,
            "resolution": self.resolution,
            "channels": self.channels,
            "ch": self.ch,
            "num_classes": self.num_classes,
            "latent_dim": self.latent_dim,
            "attention_resolution": self.attention_resolution,
            "pool_key_value": self.pool_key_value,
            "sync_batch_norm": self.sync_batch_norm,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"SAGAN({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"
