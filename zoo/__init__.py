"""Model zoo: SAGAN and autoencoder architectures built from keras_refined_sa layers.

Every family is registered once per attention kind ("softmax", "refined", "efficient", "none"):

>>> import zoo
>>> zoo.list_models()[:4]
['autoencoder_efficient', 'autoencoder_none', 'autoencoder_refined', 'autoencoder_softmax']
>>> gan = zoo.create("sagan_refined", resolution=64, ch=16)
"""

from zoo.autoencoder import Autoencoder
from zoo.fullres_autoencoder import FullResolutionAutoencoder
from zoo.presets import PresetError, from_preset, list_presets, save_preset
from zoo.registry import create, list_models, register, register_family
from zoo.sagan import SAGAN, SAGANDiscriminator, SAGANGenerator

__all__ = [
    "Autoencoder",
    "FullResolutionAutoencoder",
    "SAGAN",
    "SAGANDiscriminator",
    "SAGANGenerator",
    "PresetError",
    "create",
    "from_preset",
    "list_presets",
    "list_models",
    "register",
    "register_family",
    "save_preset",
]
