"""keras-refined-sa: SAGAN self-attention and its O(n) refined form for Keras 3."""

from keras_refined_sa import layers, ops
from keras_refined_sa.convert import convert_attention

__version__ = "0.1.0"

__all__ = ["convert_attention", "layers", "ops", "__version__"]
