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


def softmax(values, axis=-1):
    values = values - values.max(axis=axis, keepdims=True)
    weights = np.exp(values)
    return weights / weights.sum(axis=axis, keepdims=True)


def projected(layer, inputs):
    """q at every pixel, k and v at the key positions (pooled 2×2 if the layer pools), each
    `(batch, positions, channels)` in float64."""
    x = np.asarray(inputs, "float64")
    q = x @ kernel_matrix(layer.query_projection)
    k = x @ kernel_matrix(layer.key_projection)
    v = x @ kernel_matrix(layer.value_projection)
    if layer.pool_key_value:
        k, v = max_pool_2x2(k), max_pool_2x2(v)
    return tuple(t.reshape(t.shape[0], -1, t.shape[-1]) for t in (q, k, v))


def attention_map(q, k, normalisation):
    """The `(batch, n, m)` map A of the block's `A v`, written from each paper:

    - "softmax" (SAGAN): `softmax(q kᵀ)` over the keys;
    - "dot_product" (the refined block's, non-local networks): `q kᵀ / m`;
    - "efficient" (Shen et al.): `softmax over channels(q) · softmax over positions(k)ᵀ`.
    """
    if normalisation == "softmax":
        return softmax(q @ k.transpose(0, 2, 1), axis=-1)
    if normalisation == "dot_product":
        return q @ k.transpose(0, 2, 1) / k.shape[1]
    if normalisation == "efficient":
        return softmax(q, axis=-1) @ softmax(k, axis=1).transpose(0, 2, 1)
    raise ValueError(f"unknown normalisation {normalisation!r}")


def efficient_context(k, v):
    """Shen et al.'s global context `softmax over positions(k)ᵀ v`, `(batch, C_k, C_v)`."""
    return softmax(k, axis=1).transpose(0, 2, 1) @ v


def attention_block(layer, inputs, normalisation):
    """`x + γ W_o(A v)` with A the `attention_map` of `normalisation`."""
    x = np.asarray(inputs, "float64")
    q, k, v = projected(layer, x)
    attended = (attention_map(q, k, normalisation) @ v).reshape(*x.shape[:3], -1)
    gamma = float(np.asarray(layer.gamma))
    return x + gamma * attended @ kernel_matrix(layer.output_projection)
