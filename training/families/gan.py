"""The GAN family (`sagan_*`): SAGAN's hinge loss, two time-scale Adam, n_disc, and a moving
average of the generator."""

import math

import numpy as np
from keras import ops

from training.families import losses
from training.families.base import ConfigurationError
from training.families.base import Family
from training.families.base import Noise
from training.families.base import Update
from training.families.pictures import image_grid

# Rows of examples in the attention pictures.
ATTENTION_ROWS = 3


class GANFamily(Family):
    """Trains a `zoo.create("sagan_*")` pair with the SAGAN recipe.

    Each step makes `n_disc` discriminator updates, each on a fresh real batch with its own
    noise, then one generator update, with the hinge loss and two Adam optimizers (by default
    the two time-scale rule: G 1e-4, D 4e-4, beta_1 0, beta_2 0.9). The discriminator sees the
    real and the generated images in ONE call (one spectral-norm power iteration per update).
    After each step an exponential moving average of the generator (`ema_generator`) moves
    towards it; samples, FID and exports come from it. A class-conditional pair sees the real
    labels in the discriminator and uniform labels in the generator.

    Example:

    >>> import zoo
    >>> family = GANFamily()
    >>> gan = zoo.create("sagan_refined", resolution=32, ch=8)
    >>> sorted(family.networks(gan))
    ['discriminator', 'generator']

    Reference:
    - [Zhang et al., Self-Attention Generative Adversarial Networks](
      https://arxiv.org/abs/1805.08318)
    - [Heusel et al., GANs Trained by a Two Time-Scale Update Rule](
      https://arxiv.org/abs/1706.08500)
    """

    name = "sagan"
    generates_images = True
    picture_tag = "samples/ema_generator"
    picture_description = (
        "Moving-average generator, fixed noise (one class per row if conditional)."
    )

    def check(self, config, info):
        if config.conditional and not info.num_classes:
            raise ConfigurationError(
                f"--conditional needs labels, but dataset {config.dataset!r} has none."
            )
        if config.fid_every:
            from training.evaluation import weights

            try:
                weights.weights_path()
            except weights.WeightsError as problem:
                raise ConfigurationError(f"--fid-every: {problem}") from None

    def zoo_arguments(self, config, channels, info):
        arguments = super().zoo_arguments(config, channels, info)
        arguments["num_classes"] = info.num_classes if config.conditional else 0
        return arguments

    def networks(self, model):
        return {"generator": model.generator, "discriminator": model.discriminator}

    def learning_rates(self, config):
        return {"generator": config.g_learning_rate, "discriminator": config.d_learning_rate}

    def optimizer_names(self):
        return {"generator": "g_optimizer", "discriminator": "d_optimizer"}

    def averages(self, config):
        return {"ema_generator": ("generator", config.ema_decay, config.ema_start)}

    def saved_network(self, model):
        return model.generator

    def saved_network_key(self, ema=True):
        return "ema_generator" if ema else "generator"

    def updates(self, config, model):
        noise = {
            "z": Noise("normal", (model.latent_dim,)),
            "labels": Noise("integers", maxval=max(model.num_classes, 1)),
        }
        conditional = bool(model.num_classes)

        def generator_inputs(noise):
            return [noise["z"], noise["labels"]] if conditional else noise["z"]

        def discriminator_inputs(images, labels):
            return [images, labels] if conditional else images

        def discriminator_loss(apply, batch, noise):
            images, labels = batch
            batch_size = ops.shape(images)[0]
            fakes = apply("generator", generator_inputs(noise), True)
            fake_labels = ops.cast(noise["labels"], labels.dtype)
            # One pass over real and fake images: one spectral-norm power iteration per step.
            logits = apply(
                "discriminator",
                discriminator_inputs(
                    ops.concatenate([images, ops.cast(fakes, images.dtype)], axis=0),
                    ops.concatenate([labels, fake_labels], axis=0),
                ),
                True,
            )
            real_logits, fake_logits = logits[:batch_size], logits[batch_size:]
            per_example = losses.hinge_discriminator_loss(real_logits, fake_logits)
            return per_example, {
                "losses/d_loss": ops.mean(per_example),
                "logits/d_real": ops.mean(ops.cast(real_logits, "float32")),
                "logits/d_fake": ops.mean(ops.cast(fake_logits, "float32")),
            }

        def generator_loss(apply, batch, noise):
            fakes = apply("generator", generator_inputs(noise), True)
            logits = apply("discriminator", discriminator_inputs(fakes, noise["labels"]), True)
            per_example = losses.hinge_generator_loss(logits)
            return per_example, {"losses/g_loss": ops.mean(per_example)}

        discriminator = Update("discriminator", discriminator_loss, takes_batch=True, noise=noise)
        generator = Update("generator", generator_loss, takes_batch=False, noise=noise)
        return [discriminator] * config.n_disc + [generator]

    def attention_probes(self, trained, model, config, preview):
        """The moving-average generator on the first fixed latents, and the discriminator on
        the held-out images."""
        average = trained[self.saved_network_key()]
        inputs = fixed_generator_inputs(
            config.num_samples, model.latent_dim, model.num_classes, config.seed
        )
        inputs = _first_rows(inputs)  # those of the sample grid
        probes = [(average, inputs, generate(average, inputs))]
        if preview is not None:
            images, labels = preview
            inputs = [images, labels] if model.num_classes else images
            probes.append((trained["discriminator"], inputs, images))
        return probes

    def generated_image_metrics(self, network, model, config, **options):
        from training.evaluation import generator_metrics

        return generator_metrics.evaluate_generator(
            network, config, model.latent_dim, model.num_classes, **options
        )

    def sample_grid(self, network, model, config, images=None, num_samples=64, seed=0,
                    label=None):
        num_classes = model.num_classes
        if label is not None and not 0 <= label < max(num_classes, 1):
            raise ValueError(
                f"`label` must be in [0, {num_classes}) for this generator. Received: label={label}"
            )
        inputs = fixed_generator_inputs(
            num_samples, model.latent_dim, num_classes, seed, label if num_classes else None
        )
        return image_grid(generate(network, inputs))


def generate(generator, inputs, batch_size=64):
    """The images of `generator` (inference mode) for NumPy `inputs`, NumPy float32 in [-1, 1].

    Called eagerly in batches (not `predict`), so that a network built under a distribution
    strategy samples from any context.
    """
    parts = inputs if isinstance(inputs, list) else [inputs]
    images = []
    for start in range(0, len(parts[0]), batch_size):
        batch = [part[start : start + batch_size] for part in parts]
        batch = batch if isinstance(inputs, list) else batch[0]
        images.append(np.asarray(ops.convert_to_numpy(generator(batch, training=False))))
    return np.concatenate(images).astype(np.float32)


def fixed_generator_inputs(count, latent_dim, num_classes=0, seed=0, label=None):
    """Generator inputs for a sample grid: normal latents, and labels when conditional.

    Args:
        count: number of samples.
        latent_dim: size of the latent vectors.
        num_classes: classes of a conditional generator, 0 for an unconditional one.
        seed: seed of the latents.
        label: one class for every sample; None for one class per row of the grid.

    Returns:
        `z` float32 `(count, latent_dim)`, or `[z, labels int32 (count,)]` when conditional.

    Example:

    >>> z, labels = fixed_generator_inputs(4, latent_dim=8, num_classes=10)
    >>> z.shape, labels.tolist()
    ((4, 8), [0, 0, 1, 1])
    """
    z = np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)
    if not num_classes:
        return z
    if label is not None:
        labels = np.full((count,), label)
    else:
        labels = (np.arange(count) // math.ceil(math.sqrt(count))) % num_classes
    return [z, labels.astype(np.int32)]


def _first_rows(inputs):
    if isinstance(inputs, list):
        return [part[:ATTENTION_ROWS] for part in inputs]
    return inputs[:ATTENTION_ROWS]
