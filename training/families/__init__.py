"""WHAT is trained: one `Family` per kind of zoo model; the engines say HOW.

- `base`: `Family`, `Update`, `Noise`, `ConfigurationError`: the contract with the engines.
- `gan`: `GANFamily` (`sagan_*`); `reconstruction`: `ReconstructionFamily` (`autoencoder_*`).
- `losses`, `image_metrics` (PSNR, SSIM), `corruption` (noise, mask, hole): keras.ops, any backend.
- `pictures`: sample and reconstruction grids as uint8 NumPy.

A third family is one new `Family` subclass, registered in `FAMILIES` below.
"""

import difflib

from training.families.base import EVALUATION_SEED_OFFSET
from training.families.base import ConfigurationError
from training.families.base import Family
from training.families.base import Noise
from training.families.base import Update
from training.families.gan import GANFamily
from training.families.reconstruction import ReconstructionFamily

# The single source of the family names: the zoo prefix of each family's models.
FAMILIES = {family.name: family for family in (GANFamily(), ReconstructionFamily())}


class FullResolutionFamily(ReconstructionFamily):
    """`fullres_*` (zoo.fullres_autoencoder), trained as `autoencoder_*` under its own prefix."""

    name = "fullres"


FAMILIES["fullres"] = FullResolutionFamily()


def family_of(model_name):
    """The `Family` that trains zoo model `model_name` (`"<family>_<attention>"`).

    Raises:
        ConfigurationError: no family trains that model; the message lists the families.

    Example:

    >>> family_of("sagan_refined").name
    'sagan'
    """
    prefix = str(model_name).split("_", 1)[0]
    if prefix in FAMILIES:
        return FAMILIES[prefix]
    close = difflib.get_close_matches(prefix, list(FAMILIES), n=1)
    hint = f" Did you mean {close[0]}_*?" if close else ""
    raise ConfigurationError(
        f"no training family for model {model_name!r}: the model name must start with one of "
        f"{', '.join(f'{name}_' for name in FAMILIES)}.{hint}"
    )


__all__ = [
    "EVALUATION_SEED_OFFSET",
    "FAMILIES",
    "ConfigurationError",
    "Family",
    "GANFamily",
    "Noise",
    "ReconstructionFamily",
    "Update",
    "family_of",
]
