"""Helpers shared by the zoo tests: tiny builds, the networks of a zoo object, sample inputs."""

import keras
import numpy as np
from keras import ops

from keras_refined_sa.layers import BaseSelfAttention

# 32 px and ch=8: every attention block of every family sees a multiple of 8 channels.
TINY = dict(resolution=32, ch=8)
BATCH = 2


def family_of(name):
    """The family of a registered name: "sagan_refined" -> "sagan"."""
    return name.rsplit("_", 1)[0]


def networks(model):
    """The keras.Models of a zoo object, by role."""
    if model.family == "sagan":
        return {"generator": model.generator, "discriminator": model.discriminator}
    return {"autoencoder": model}


def sample_inputs(network, seed=0):
    """Random inputs for every input of `network`: labels for int inputs, [-1, 1] floats else."""
    rng = np.random.default_rng(seed)
    inputs = []
    for tensor in network.inputs:
        shape = (BATCH,) + tuple(tensor.shape[1:])
        if "int" in keras.backend.standardize_dtype(tensor.dtype):
            inputs.append(np.arange(BATCH, dtype="int32") % network.num_classes)
        else:
            inputs.append(rng.uniform(-1.0, 1.0, size=shape).astype("float32"))
    return inputs if len(inputs) > 1 else inputs[0]


def predict(network, inputs):
    """Inference-mode outputs as numpy."""
    return ops.convert_to_numpy(network(inputs, training=False))


def attention_layers(network):
    """The attention blocks of `network`, found the way the trainer finds them."""
    return [layer for layer in network.layers if isinstance(layer, BaseSelfAttention)]
