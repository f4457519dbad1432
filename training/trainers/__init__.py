"""What one training step does: the GAN and reconstruction recipes, their losses and metrics.

- `base`: `Trainer`, the distributed step and the TensorBoard pictures both recipes share.
- `gan`: `GANTrainer`, SAGAN's hinge loss, two time-scale Adam, `n_disc` and a moving average of G.
- `reconstruction`: `ReconstructionTrainer`, autoencoders undoing a corruption.
- `losses`, `image_metrics` (PSNR, SSIM), `corruption` (noise, masks), `ema` (the moving average)
  and `replicas` (per-replica ids and seeds): their building blocks.
- `precision`: `--precision`, the models' dtype policy and the loss scaling of float16.
"""

from training.trainers.base import Trainer
from training.trainers.corruption import CORRUPTIONS
from training.trainers.corruption import corrupt
from training.trainers.ema import ExponentialMovingAverage
from training.trainers.gan import GANTrainer
from training.trainers.gan import fixed_generator_inputs
from training.trainers.image_metrics import psnr
from training.trainers.image_metrics import ssim
from training.trainers.losses import hinge_discriminator_loss
from training.trainers.losses import hinge_generator_loss
from training.trainers.losses import reconstruction_loss
from training.trainers.reconstruction import ReconstructionTrainer
from training.trainers.reconstruction import reconstruct
from training.trainers.reconstruction import reconstruction_grid

__all__ = [
    "CORRUPTIONS",
    "ExponentialMovingAverage",
    "GANTrainer",
    "ReconstructionTrainer",
    "Trainer",
    "corrupt",
    "fixed_generator_inputs",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "psnr",
    "reconstruct",
    "reconstruction_grid",
    "reconstruction_loss",
    "ssim",
]
