"""Autoencoder training: L1 / L2 reconstruction of plain, noisy or masked images; PSNR and SSIM."""

import numpy as np
import tensorflow as tf

from training.monitoring.summaries import image_grid
from training.monitoring.summaries import write_png
from training.trainers import image_metrics
from training.trainers import losses
from training.trainers.base import Trainer
from training.trainers.corruption import corrupt
from training.trainers.corruption import corruption_options
from training.trainers.corruption import hidden_pixels
from training.trainers.corruption import hiding_options

ATTENTION_ROWS = 3
# Offset of the evaluation's noise seed from the run's, so that it never repeats a training draw.
_EVAL_SEED_OFFSET = 1_000_003


class ReconstructionTrainer(Trainer):
    """Trains a `zoo.create("autoencoder_*")` model to reconstruct images.

    The model sees the images corrupted by `config.corruption` (none, Gaussian noise, masked
    4×4 patches or one large hole) and learns to return the clean images under the L1 or L2
    loss, with Adam. `evaluate` measures PSNR and SSIM on held-out batches whose corruption is
    fixed, so the numbers of successive evaluations compare; for the corruptions that hide
    pixels, also the PSNR over the hidden pixels alone (what inpainting is judged on).

    Args:
        config: the run's `TrainConfig` with the model defaults filled in.
        strategy: a `tf.distribute.Strategy`.
        autoencoder: the `zoo.autoencoder.Autoencoder`, built inside `strategy.scope()`.
    """

    def __init__(self, config, strategy, autoencoder):
        self.autoencoder = autoencoder
        super().__init__(config, strategy)
        self.eval_dataset = None
        self._evaluate_batch = tf.function(self._evaluate_batch_fn)

    def build(self):
        self.optimizer = self._make_optimizer(
            self.config.learning_rate, self.autoencoder.trainable_variables, "optimizer"
        )

    def checkpoint_objects(self):
        return {"autoencoder": self.autoencoder, "optimizer": self.optimizer}

    def networks(self):
        return {"autoencoder": self.autoencoder}

    def optimizers(self):
        return {"autoencoder": self.optimizer}

    def _corrupt(self, images, seed):
        return corrupt(images, self.config.corruption, seed, **corruption_options(self.config))

    def _hides_pixels(self):
        return self.config.corruption in ("mask", "hole")

    def replica_inputs(self, batches):
        """The clean images and their corrupted versions."""
        ((images, _),) = batches
        return images, self._corrupt(images, self.seed(0))

    def train_replica(self, inputs):
        images, corrupted = inputs
        with tf.GradientTape() as tape:
            reconstructions = self.autoencoder(corrupted, training=True)
            per_example = losses.reconstruction_loss(images, reconstructions, self.config.loss)
            loss = self._average_loss(per_example, self.autoencoder)
        self._apply(self.optimizer, loss, tape, self.autoencoder)
        # One tag whatever the loss (its kind is in the hparams), so runs compare.
        return {"losses/reconstruction": tf.reduce_mean(per_example)}

    # Held-out evaluation.

    def _eval_seed(self, index):
        return tf.stack([tf.constant(self.config.seed + _EVAL_SEED_OFFSET, tf.int64), index])

    def _evaluate_batch_fn(self, images, index):
        seed = self._eval_seed(index)
        corrupted = self._corrupt(images, seed)
        reconstructions = self.autoencoder(corrupted, training=False)
        if self._hides_pixels():
            hidden = hidden_pixels(
                images, self.config.corruption, seed, **hiding_options(self.config)
            )
            hidden_psnr = image_metrics.psnr_of_pixels(images, reconstructions, hidden)
        else:
            hidden_psnr = tf.zeros(tf.shape(images)[:1])
        return (
            image_metrics.psnr(images, reconstructions),
            image_metrics.ssim(images, reconstructions),
            image_metrics.psnr(images, corrupted),
            hidden_psnr,
        )

    def evaluate(self):
        """Mean PSNR (dB) and SSIM of the reconstructions of the held-out batches.

        With a corruption, also `eval/psnr_corrupted_input` (the PSNR of doing nothing), and
        with one that hides pixels (mask, hole) `eval/psnr_hidden`, over the hidden pixels only.
        """
        if self.eval_dataset is None:
            return {}
        results = [[], [], [], []]
        for index, (images, _) in enumerate(self.eval_dataset):
            scores = self._evaluate_batch(images, tf.constant(index, tf.int64))
            for values, batch in zip(results, scores):
                values.append(np.asarray(batch))
        psnr, ssim, corrupted_psnr, hidden_psnr = (np.concatenate(values) for values in results)
        scores = {"eval/psnr": float(psnr.mean()), "eval/ssim": float(ssim.mean())}
        if self.config.corruption != "none":
            # What doing nothing scores: the bar the model must clear.
            scores["eval/psnr_corrupted_input"] = float(corrupted_psnr.mean())
        if self._hides_pixels():
            scores["eval/psnr_hidden"] = float(hidden_psnr.mean())
        return scores

    # Pictures.

    def reconstruction_rows(self):
        """Preview images, their corrupted versions and reconstructions, numpy in [-1, 1]."""
        return reconstruct(self.autoencoder, self.preview[0], self.config)

    def _reconstruction_grid(self, rows):
        return reconstruction_grid(*rows, show_corrupted=self.config.corruption != "none")

    def write_images(self, writer, step):
        if self.preview is None:
            return
        rows = self.reconstruction_rows()
        writer.image(
            "reconstructions/heldout",
            self._reconstruction_grid(rows),
            step,
            description="Rows: held-out images, the corrupted inputs (if any), reconstructions.",
        )
        corrupted = rows[1][:ATTENTION_ROWS]
        self._write_attention(writer, step, self.autoencoder, corrupted, corrupted)

    def write_final_samples(self, path):
        if self.preview is not None:
            write_png(path, self._reconstruction_grid(self.reconstruction_rows()))


def reconstruction_grid(images, corrupted, reconstructions, show_corrupted=True):
    """One column per image: the image, its corrupted version (optional), the reconstruction."""
    rows = [images, corrupted, reconstructions] if show_corrupted else [images, reconstructions]
    return image_grid(np.concatenate(rows), columns=len(images))


def reconstruct(autoencoder, images, config, seed=None):
    """`(images, corrupted, reconstructions)` as numpy, corrupted as `config` says.

    Args:
        autoencoder: the reconstruction model.
        images: clean images in [-1, 1].
        config: the run's `TrainConfig` (corruption and its options, seed).
        seed: seed of the corruption; defaults to one derived from `config.seed` that no
            training step uses.
    """
    if seed is None:
        seed = config.seed + _EVAL_SEED_OFFSET
    images = tf.convert_to_tensor(images, tf.float32)
    corrupted = corrupt(
        images, config.corruption, tf.constant([seed, -1], tf.int64), **corruption_options(config)
    )
    reconstructions = autoencoder(corrupted, training=False)
    return np.asarray(images), np.asarray(corrupted), np.asarray(reconstructions)
