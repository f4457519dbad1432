"""SAGAN training: hinge loss, two time-scale Adam, n_disc, and a moving average of G."""

import math

import numpy as np
import tensorflow as tf

from training.monitoring.summaries import image_grid
from training.monitoring.summaries import write_png
from training.trainers import losses
from training.trainers.base import Trainer
from training.trainers.ema import ExponentialMovingAverage

# Rows of examples in the attention pictures.
ATTENTION_ROWS = 3


class GANTrainer(Trainer):
    """Trains a `zoo.create("sagan_*")` pair with the SAGAN recipe.

    Each step makes `n_disc` discriminator updates, each on a fresh real batch, then one
    generator update, with the hinge loss and two Adam optimizers (by default the two
    time-scale rule: G 1e-4, D 4e-4, beta_1 0, beta_2 0.9; beta_2 0.9 is the SAGAN paper's, the
    official code runs 0.999). After each generator update an exponential moving average of the
    generator's weights (`ema_generator`) moves towards the generator; the samples TensorBoard
    shows come from it, from fixed noise. When the pair is class-conditional the discriminator
    sees the real labels and the generator draws uniform ones.

    Args:
        config: the run's `TrainConfig` with the model defaults filled in.
        strategy: a `tf.distribute.Strategy`.
        gan: the `zoo.sagan.SAGAN` pair, built inside `strategy.scope()`.

    Reference:
    - [Zhang et al., Self-Attention Generative Adversarial Networks](
      https://arxiv.org/abs/1805.08318)
    - [Heusel et al., GANs Trained by a Two Time-Scale Update Rule](
      https://arxiv.org/abs/1706.08500)
    """

    def __init__(self, config, strategy, gan):
        self.generator = gan.generator
        self.discriminator = gan.discriminator
        self.latent_dim = gan.latent_dim
        self.num_classes = gan.num_classes
        self.batches_per_step = config.n_disc
        super().__init__(config, strategy)
        self.fixed_inputs = fixed_generator_inputs(
            config.num_samples, self.latent_dim, self.num_classes, config.seed
        )
        self._sample = tf.function(lambda inputs: self.ema_generator(inputs, training=False))

    def build(self):
        config = self.config
        # The twin holding the average: same class and config, hence the same variables.
        self.ema_generator = type(self.generator).from_config(self.generator.get_config())
        self.ema = ExponentialMovingAverage(
            self.generator, self.ema_generator, config.ema_decay, config.ema_start
        )
        self.g_optimizer = self._make_optimizer(
            config.g_learning_rate, self.generator.trainable_variables, "g_optimizer"
        )
        self.d_optimizer = self._make_optimizer(
            config.d_learning_rate, self.discriminator.trainable_variables, "d_optimizer"
        )

    def reset_state(self):
        self.ema.reset()

    def checkpoint_objects(self):
        return {
            "generator": self.generator,
            "discriminator": self.discriminator,
            "ema_generator": self.ema_generator,
            "g_optimizer": self.g_optimizer,
            "d_optimizer": self.d_optimizer,
        }

    def networks(self):
        return {"generator": self.generator, "discriminator": self.discriminator}

    def optimizers(self):
        return {"generator": self.g_optimizer, "discriminator": self.d_optimizer}

    # The step.

    def _generator_inputs(self, z, labels):
        return [z, labels] if self.num_classes else z

    def _discriminator_inputs(self, images, labels):
        return [images, labels] if self.num_classes else images

    def _draw(self, batch_size, stream):
        """Latent vectors and uniform labels of noise streams `stream` and `stream + 1`."""
        z = tf.random.stateless_normal((batch_size, self.latent_dim), seed=self.seed(stream))
        labels = tf.random.stateless_uniform(
            (batch_size,),
            seed=self.seed(stream + 1),
            minval=0,
            maxval=max(self.num_classes, 1),
            dtype=tf.int32,
        )
        return z, labels

    def replica_inputs(self, batches):
        """The batches, the noise `(z, labels)` of each discriminator update, and the
        generator update's."""
        draws = [
            self._draw(tf.shape(images)[0], stream=2 * index)
            for index, (images, _) in enumerate(batches)
        ]
        generator_draw = self._draw(tf.shape(batches[-1][0])[0], stream=2 * len(batches))
        return batches, draws, generator_draw

    def train_replica(self, inputs):
        batches, draws, generator_draw = inputs
        for (images, labels), draw in zip(batches, draws):
            logs = self._discriminator_step(images, labels, draw)
        logs.update(self._generator_step(generator_draw))
        self.ema.update(self.step)
        return logs

    def _discriminator_step(self, images, labels, draw):
        batch_size = tf.shape(images)[0]
        z, fake_labels = draw
        with tf.GradientTape() as tape:
            fakes = self.generator(self._generator_inputs(z, fake_labels), training=True)
            # One pass over real and fake images: one spectral-norm power iteration per step.
            logits = self.discriminator(
                self._discriminator_inputs(
                    tf.concat([images, tf.cast(fakes, images.dtype)], axis=0),
                    tf.concat([labels, fake_labels], axis=0),
                ),
                training=True,
            )
            real_logits, fake_logits = logits[:batch_size], logits[batch_size:]
            per_example = losses.hinge_discriminator_loss(real_logits, fake_logits)
            loss = self._average_loss(per_example, self.discriminator)
        self._apply(self.d_optimizer, loss, tape, self.discriminator)
        return {
            "losses/d_loss": tf.reduce_mean(per_example),
            "logits/d_real": tf.reduce_mean(real_logits),
            "logits/d_fake": tf.reduce_mean(fake_logits),
        }

    def _generator_step(self, draw):
        z, labels = draw
        with tf.GradientTape() as tape:
            fakes = self.generator(self._generator_inputs(z, labels), training=True)
            logits = self.discriminator(self._discriminator_inputs(fakes, labels), training=True)
            per_example = losses.hinge_generator_loss(logits)
            loss = self._average_loss(per_example, self.generator)
        self._apply(self.g_optimizer, loss, tape, self.generator)
        return {"losses/g_loss": tf.reduce_mean(per_example)}

    # Samples and pictures.

    def samples(self):
        """The moving-average generator's images from the fixed noise, numpy in [-1, 1]."""
        return np.asarray(self._sample(self.fixed_inputs))

    def write_images(self, writer, step):
        samples = self.samples()
        writer.image(
            "samples/ema_generator",
            image_grid(samples),
            step,
            description="Moving-average generator, fixed noise (one class per row if conditional).",
        )
        rows = _first(self.fixed_inputs, ATTENTION_ROWS)
        self._write_attention(writer, step, self.ema_generator, rows, samples[:ATTENTION_ROWS])
        if self.preview is not None:
            images, labels = self.preview
            inputs = self._discriminator_inputs(images, labels)
            self._write_attention(writer, step, self.discriminator, inputs, images)

    def write_final_samples(self, path):
        write_png(path, image_grid(self.samples()))

    def image_quality(self):
        """FID and KID of the moving-average generator, `config.fid_samples` images a side."""
        from training.evaluation import generator_metrics

        metrics = generator_metrics.evaluate_generator(
            self._sample,
            self.config,
            self.latent_dim,
            self.num_classes,
            num_images=self.config.fid_samples,
            seed=self.config.seed,
        )
        return {f"eval/{name}": metrics[name] for name in ("fid", "kid", "kid_std")}


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
    """
    z = np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)
    if not num_classes:
        return z
    if label is not None:
        labels = np.full((count,), label)
    else:
        labels = (np.arange(count) // math.ceil(math.sqrt(count))) % num_classes
    return [z, labels.astype(np.int32)]


def _first(inputs, count):
    if isinstance(inputs, list):
        return [array[:count] for array in inputs]
    return inputs[:count]
