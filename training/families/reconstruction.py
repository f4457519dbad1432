"""The reconstruction family (`autoencoder_*`): L1 / L2 reconstruction of plain, noisy, masked
or holed images; PSNR and SSIM on held-out images."""

import numpy as np
from keras import ops

from training.families import image_metrics
from training.families import losses
from training.families.base import EVALUATION_SEED_OFFSET
from training.families.base import ConfigurationError
from training.families.base import Family
from training.families.base import Update
from training.families.corruption import corrupt
from training.families.corruption import corruption_noise
from training.families.corruption import corruption_options
from training.families.corruption import hidden_pixels
from training.families.corruption import hiding_options
from training.families.pictures import reconstruction_grid

# Rows of examples in the attention pictures.
ATTENTION_ROWS = 3


class ReconstructionFamily(Family):
    """Trains a `zoo.create("autoencoder_*")` model to reconstruct images.

    The model sees the images corrupted by `config.corruption` (none, Gaussian noise, masked
    4×4 patches or one large hole) and learns to return the clean images under the L1 or L2
    loss, with Adam. `evaluate_batch` measures PSNR and SSIM on held-out batches whose
    corruption is fixed per batch index, so successive evaluations compare; for the
    corruptions that hide pixels, also the PSNR over the hidden pixels alone (what inpainting
    is judged on).

    Example:

    >>> import zoo
    >>> family = ReconstructionFamily()
    >>> autoencoder = zoo.create("autoencoder_refined", resolution=32, ch=8)
    >>> list(family.networks(autoencoder))
    ['autoencoder']
    """

    name = "autoencoder"
    samples_need_images = True
    picture_tag = "reconstructions/heldout"
    picture_description = "Rows: held-out images, the corrupted inputs (if any), reconstructions."

    def check(self, config, info):
        if config.conditional:
            raise ConfigurationError(
                f"--conditional applies to GANs (sagan_*), not to {config.model!r}."
            )
        if config.fid_every:
            raise ConfigurationError(
                f"--fid-every measures generated images: it applies to sagan_*, not "
                f"{config.model!r}."
            )
        if config.hole_min > config.hole_max or config.hole_min == 0:
            raise ConfigurationError(
                f"--hole-min {config.hole_min} and --hole-max {config.hole_max}: the hole's "
                f"sides need 0 < --hole-min <= --hole-max <= 1 (fractions of the image side)."
            )

    def networks(self, model):
        return {"autoencoder": model}

    def learning_rates(self, config):
        return {"autoencoder": config.learning_rate}

    def optimizer_names(self):
        return {"autoencoder": "optimizer"}

    def saved_network(self, model):
        return model

    def saved_network_key(self, ema=True):
        return "autoencoder"

    def heldout_needs(self):
        return "evaluation"

    def _noise(self, config):
        spec = corruption_noise(
            config.corruption, config.resolution, config.resolution, config.channels
        )
        return {} if spec is None else {"corruption": spec}

    def _corrupt(self, images, noise, config):
        return corrupt(
            images, config.corruption, noise.get("corruption"), **corruption_options(config)
        )

    def updates(self, config, model):
        def reconstruction_loss(apply, batch, noise):
            images, _ = batch
            reconstructions = apply("autoencoder", self._corrupt(images, noise, config), True)
            per_example = losses.reconstruction_loss(images, reconstructions, config.loss)
            # One tag whatever the loss (its kind is in the hparams), so runs compare.
            return per_example, {"losses/reconstruction": ops.mean(per_example)}

        return [Update("autoencoder", reconstruction_loss, noise=self._noise(config))]

    def evaluation_noise(self, config):
        return self._noise(config)

    def evaluate_batch(self, apply, images, noise, config):
        """PSNR (dB) and SSIM of the reconstructions per image, as `eval/psnr` and `eval/ssim`.

        With a corruption, also `eval/psnr_corrupted_input` (the PSNR of doing nothing: the bar
        the model must clear), and with one that hides pixels (mask, hole) `eval/psnr_hidden`,
        over the hidden pixels only.
        """
        corrupted = self._corrupt(images, noise, config)
        reconstructions = apply("autoencoder", corrupted, False)
        scores = {
            "eval/psnr": image_metrics.psnr(images, reconstructions),
            "eval/ssim": image_metrics.ssim(images, reconstructions),
        }
        if config.corruption != "none":
            scores["eval/psnr_corrupted_input"] = image_metrics.psnr(images, corrupted)
        if config.corruption in ("mask", "hole"):
            hidden = hidden_pixels(
                images, config.corruption, noise["corruption"], **hiding_options(config)
            )
            scores["eval/psnr_hidden"] = image_metrics.psnr_of_pixels(
                images, reconstructions, hidden
            )
        return scores

    def attention_probes(self, trained, model, config, preview):
        """The autoencoder on the first corrupted held-out images."""
        if preview is None:
            return []
        autoencoder = trained["autoencoder"]
        _, corrupted, _ = reconstruct(autoencoder, preview[0][:ATTENTION_ROWS], config)
        return [(autoencoder, corrupted, corrupted)]

    def sample_grid(self, network, model, config, images=None, num_samples=64, seed=0,
                    label=None):
        """Held-out `images`, their corrupted versions and reconstructions, one column each."""
        if images is None:
            raise ValueError("a reconstruction grid needs held-out `images`. Received: None")
        rows = reconstruct(network, images, config)
        return reconstruction_grid(*rows, show_corrupted=config.corruption != "none")


def reconstruct(autoencoder, images, config, seed=None):
    """`(images, corrupted, reconstructions)` as NumPy, corrupted as `config` says.

    Args:
        autoencoder: the reconstruction model.
        images: clean images in [-1, 1].
        config: the run's `TrainConfig` (corruption and its options, seed).
        seed: seed of the corruption's draws (NumPy); defaults to one derived from
            `config.seed` that no training step uses.
    """
    if seed is None:
        seed = config.seed + EVALUATION_SEED_OFFSET
    images = np.asarray(images, np.float32)
    _, height, width, channels = images.shape
    spec = corruption_noise(config.corruption, height, width, channels)
    draws = None
    if spec is not None:
        rng = np.random.default_rng(seed)
        shape = (len(images), *spec.shape)
        draws = rng.standard_normal(shape) if spec.kind == "normal" else rng.uniform(size=shape)
        draws = draws.astype(np.float32)
    corrupted = ops.convert_to_numpy(
        corrupt(images, config.corruption, draws, **corruption_options(config))
    )
    reconstructions = ops.convert_to_numpy(autoencoder(corrupted, training=False))
    return images, corrupted, np.asarray(reconstructions, np.float32)
