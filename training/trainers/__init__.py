"""The TensorFlow engine's step: a family's updates under `tf.distribute`, with their state.

- `base`: `Trainer`, which runs any `training.families.Family`'s updates (the GAN's and the
  reconstruction's recipes live in their families) with `GradientTape` under a strategy, and
  writes what TensorBoard shows of it.
- `ema` (the moving average) and `replicas` (per-replica ids, seeds and noise): its building
  blocks.
- `precision`: `--precision`, the models' dtype policy and the loss scaling of float16 (no
  TensorFlow: the JAX engine uses it too).
"""

import importlib

# Loaded on first use: importing `training.trainers.precision` (TF-free, used by the JAX
# engine) must not start TensorFlow.
_WHERE = {
    "Trainer": "training.trainers.base",
    "ExponentialMovingAverage": "training.trainers.ema",
}

__all__ = ["ExponentialMovingAverage", "Trainer"]


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
