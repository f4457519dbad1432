"""Keras layers of keras-refined-sa."""

from keras_refined_sa.layers.base_self_attention import BaseSelfAttention
from keras_refined_sa.layers.conditional_batch_norm import ConditionalBatchNormalization
from keras_refined_sa.layers.efficient_self_attention import EfficientSelfAttention
from keras_refined_sa.layers.global_sum_pooling import GlobalSumPooling2D
from keras_refined_sa.layers.refined_self_attention import RefinedSelfAttention
from keras_refined_sa.layers.self_attention import SelfAttention
from keras_refined_sa.layers.spectral_normalization import SpectralNormalization

__all__ = [
    "BaseSelfAttention",
    "ConditionalBatchNormalization",
    "EfficientSelfAttention",
    "GlobalSumPooling2D",
    "RefinedSelfAttention",
    "SelfAttention",
    "SpectralNormalization",
]
