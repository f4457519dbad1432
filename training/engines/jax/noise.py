"""The JAX engine's random draws: the step counter is the whole RNG state.

Every draw of a step comes from `jax.random.fold_in(key(seed), step)`, folded with the index of
the update in the step and with the noise's name, so a resumed run draws exactly the noise the
uninterrupted one drew, and two devices draw what one draws (the noise of the global batch is
drawn at once inside the jitted step; JAX's threefry draws do not depend on the sharding).
Evaluation draws come from `key(seed + EVALUATION_SEED_OFFSET)` folded with the batch index, so
every evaluation of a run corrupts its held-out batches the same way.
"""

import zlib

import jax
import jax.numpy as jnp


def name_code(name):
    """A stable non-negative 31-bit integer for a noise name (CRC-32; Python's hash varies)."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def step_key(seed, step):
    """The key of one training step: `fold_in(key(seed), step)`."""
    return jax.random.fold_in(jax.random.key(seed), step)


def draw(key, specs, batch_size):
    """Draws `{name: array}` for the `training.families.Noise` specs `{name: Noise}`.

    Args:
        key: a JAX key (of one update of one step, or of one evaluation batch).
        specs: `{name: Noise}`.
        batch_size: the leading dimension (the global batch).

    Example:

    >>> from training.families import Noise
    >>> noise = draw(jax.random.key(0), {"z": Noise("normal", (4,))}, batch_size=2)
    >>> noise["z"].shape, str(noise["z"].dtype)
    ((2, 4), 'float32')
    """
    drawn = {}
    for name, spec in specs.items():
        own = jax.random.fold_in(key, name_code(name))
        if spec.kind == "normal":
            drawn[name] = jax.random.normal(own, (batch_size, *spec.shape), jnp.float32)
        elif spec.kind == "uniform":
            drawn[name] = jax.random.uniform(own, (batch_size, *spec.shape), jnp.float32)
        else:
            drawn[name] = jax.random.randint(own, (batch_size,), 0, spec.maxval, jnp.int32)
    return drawn
