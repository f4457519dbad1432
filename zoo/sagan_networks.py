"""SAGAN's generator and discriminator as functional `keras.Model` subclasses."""

import keras

from keras_refined_sa.layers import GlobalSumPooling2D
from zoo import validation
from zoo.attention import apply_attention
from zoo.blocks import (
    apply_down_block,
    apply_optimized_block,
    apply_output_block,
    apply_up_block,
    spectral_layer,
)
from zoo.sagan_architecture import (
    BOTTOM_RESOLUTION,
    GENERATOR_MULTIPLIERS,
    attention_block,
    discriminator_blocks,
    generator_blocks,
    labels_input,
    resolve_attention_resolution,
)


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
        attention: "softmax", "refined", "efficient" or "none".
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
        validation.check_integer("latent_dim", latent_dim, 1)
        attention_resolution = resolve_attention_resolution(
            ["generator"],
            resolution=resolution,
            channels=channels,
            ch=ch,
            num_classes=num_classes,
            attention=attention,
            attention_resolution=attention_resolution,
        )
        blocks = generator_blocks(resolution)
        attend_after = attention_block(blocks, attention_resolution).index

        z = keras.Input((latent_dim,), name="z")
        labels = labels_input(num_classes)
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
        attention: "softmax", "refined", "efficient" or "none".
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
        attention_resolution = resolve_attention_resolution(
            ["discriminator"],
            resolution=resolution,
            channels=channels,
            ch=ch,
            num_classes=num_classes,
            attention=attention,
            attention_resolution=attention_resolution,
        )
        blocks = discriminator_blocks(resolution)
        attend_after = attention_block(blocks, attention_resolution).index

        images = keras.Input((resolution, resolution, channels), name="images")
        labels = labels_input(num_classes)
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

    The class embedding is a spectrally normalised bias-free dense layer on one-hot labels: the
    same matrix, and the same σ, as BigGAN's spectrally normalised embedding table.
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
