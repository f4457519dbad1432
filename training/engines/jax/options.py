"""The options the JAX engine refuses before anything is written, naming the backend that has them.

Example:

>>> from training.config import TrainConfig
>>> check_options(TrainConfig(model="sagan_refined", strategy="mirrored"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
training.families.base.ConfigurationError: --strategy mirrored is TensorFlow only (tf.distribute)...
"""

from training.families import ConfigurationError

# --strategy values JAX honours: auto = every local device, default = the first one.
JAX_STRATEGIES = ("auto", "default")


def check_options(config):
    """Raises `ConfigurationError` for an option of `config` the JAX engine does not support."""
    if config.strategy not in JAX_STRATEGIES:
        raise ConfigurationError(
            f"--strategy {config.strategy} is TensorFlow only (tf.distribute). On JAX, "
            f"--strategy auto trains on every local device (keras.distribution.DataParallel) and "
            f"several hosts join with jax.distributed (docs/training.md); or run with "
            f"KERAS_BACKEND=tensorflow."
        )
    if config.fid_every:
        raise ConfigurationError(
            f"--fid-every {config.fid_every}: FID and KID during training are TensorFlow only "
            f"for now. Drop --fid-every (python -m training.fid scores a finished run), or train "
            f"with KERAS_BACKEND=tensorflow."
        )
    if config.init_from and not config.resume:
        raise ConfigurationError(
            f"--init-from {config.init_from}: starting from another run's weights is TensorFlow "
            f"only for now. Drop --init-from, or train with KERAS_BACKEND=tensorflow."
        )

