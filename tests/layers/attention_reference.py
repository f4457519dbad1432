"""Numpy references of the whole attention block, written from the papers, independent of the layers."""

import numpy as np


def to_numpy(variable):
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable, "float64")


def spectral_sigma(matrix, vector_u):
    """Miyato's σ estimate at inference: v = W u / |W u|, σ = vᵀ W u (u normalised first)."""
    u = vector_u / np.linalg.norm(vector_u)
    v = matrix @ u
    v /= np.linalg.norm(v)
    return v @ matrix @ u


def kernel_matrix(projection):
    """The (in, out) matrix of a 1×1 projection, divided by σ when spectrally normalised."""
    if hasattr(projection, "vector_u"):
        kernel = to_numpy(projection.layer.kernel)
        matrix = kernel.reshape(-1, kernel.shape[-1])
        return matrix / spectral_sigma(matrix, to_numpy(projection.vector_u))
    kernel = to_numpy(projection.kernel)
    return kernel.reshape(-1, kernel.shape[-1])


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
