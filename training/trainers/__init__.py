"""What one training step does: the GAN and reconstruction recipes, their losses and metrics.

- `base`: `Trainer`, the distributed step and the TensorBoard pictures both recipes share.
- `gan`: `GANTrainer`, SAGAN's hinge loss, two time-scale Adam, `n_disc` and a moving average of G.
- `reconstruction`: `ReconstructionTrainer`, autoencoders undoing a corruption.
- `losses`, `image_metrics` (PSNR, SSIM), `corruption` (noise, masks), `ema` (the moving average)
  and `replicas` (per-replica ids and seeds): their building blocks.
- `precision`: `--precision`, the models' dtype policy and the loss scaling of float16.
"""

import importlib

# Loaded on first use: importing `training.trainers.precision` (TF-free, used by the JAX
# engine) must not start TensorFlow.
_WHERE = {
    "Trainer": "training.trainers.base",
    "CORRUPTIONS": "training.trainers.corruption",
    "corrupt": "training.trainers.corruption",
    "ExponentialMovingAverage": "training.trainers.ema",
    "GANTrainer": "training.trainers.gan",
    "fixed_generator_inputs": "training.trainers.gan",
    "psnr": "training.trainers.image_metrics",
    "ssim": "training.trainers.image_metrics",
    "hinge_discriminator_loss": "training.trainers.losses",
    "hinge_generator_loss": "training.trainers.losses",
    "reconstruction_loss": "training.trainers.losses",
    "ReconstructionTrainer": "training.trainers.reconstruction",
    "reconstruct": "training.trainers.reconstruction",
    "reconstruction_grid": "training.trainers.reconstruction",
}

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


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
