"""keras-refined-sa: SAGAN self-attention and its O(n) refined form for Keras 3."""

from keras_refined_sa import layers, ops

__version__ = "0.1.0"

__all__ = ["layers", "ops", "__version__"]
