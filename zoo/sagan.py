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

from zoo.registry import register_family
from zoo.sagan_architecture import resolve_attention_resolution
from zoo.sagan_networks import SAGANDiscriminator, SAGANGenerator

# Two time-scale update rule of the SAGAN paper.
TRAINING_DEFAULTS = {
    "g_learning_rate": 1e-4,
    "d_learning_rate": 4e-4,
    "beta_1": 0.0,
    "beta_2": 0.9,
    "n_disc": 1,
}


@register_family("sagan")
class SAGAN:
    """A SAGAN generator and discriminator pair with the family's training defaults.

    Built by `zoo.create("sagan_<kind>", **overrides)`, kind "softmax", "refined", "efficient" or
    "none".

    Args:
        attention: "softmax", "refined", "efficient" or "none" (fixed by the registered name).
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
    >>> tuple(gan.discriminator(images).shape)
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
        arguments["attention_resolution"] = resolve_attention_resolution(
            ["generator", "discriminator"], **arguments
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

    def networks(self):
        """`{role: keras.Model}`: what is trained and saved (`zoo.presets`).

        A method, not a property: Keras's weight saving walks an object's attributes."""
        return {"generator": self.generator, "discriminator": self.discriminator}

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
