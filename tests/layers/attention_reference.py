"""Numpy references of the whole attention block, written from the papers, independent of the layers."""

import numpy as np


def kernel_matrix(projection):
    """The (in, out) matrix of a 1×1 projection, with or without spectral normalisation."""
    kernel = projection.kernel if hasattr(projection, "kernel") else projection.layer.kernel
    kernel = np.asarray(kernel.numpy() if hasattr(kernel, "numpy") else kernel)
    return kernel.reshape(kernel.shape[-2], kernel.shape[-1]).astype("float64")


def max_pool_2x2(features):
    batch, height, width, channels = features.shape
    blocks = features.reshape(batch, height // 2, 2, width // 2, 2, channels)
    return blocks.max(axis=(2, 4))


def softmax_rows(logits):
    logits = logits - logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=-1, keepdims=True)


def attention_block(layer, inputs, normalisation):
    """`x + γ W_o(A v)` with A = softmax(q kᵀ) ("softmax") or q kᵀ / m ("dot_product")."""
    x = np.asarray(inputs, "float64")
    batch, height, width, channels = x.shape
    q = x @ kernel_matrix(layer.query_projection)
    k = x @ kernel_matrix(layer.key_projection)
    v = x @ kernel_matrix(layer.value_projection)
    if layer.pool_key_value:
        k, v = max_pool_2x2(k), max_pool_2x2(v)
    q, k, v = (t.reshape(batch, -1, t.shape[-1]) for t in (q, k, v))
    logits = q @ k.transpose(0, 2, 1)
    if normalisation == "softmax":
        affinity = softmax_rows(logits)
    else:
        affinity = logits / k.shape[1]
    attended = (affinity @ v).reshape(batch, height, width, -1)
    gamma = float(np.asarray(layer.gamma))
    return x + gamma * attended @ kernel_matrix(layer.output_projection)
