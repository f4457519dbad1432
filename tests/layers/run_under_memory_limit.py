"""Runs one attention layer forward and backward at 256×256 under an address-space limit.

`python -m tests.layers.run_under_memory_limit FORM` imports Keras, builds the layer, then limits
the process's address space to what it already maps plus `HEADROOM_GIB`, so that any tensor of
n × n floats (16 GiB at n = 65,536) cannot be allocated, and exits 0 only if the step succeeded
and the layer drew the attention rows of a few query pixels in every form.
"""

import resource
import sys

import keras
import numpy as np
from keras import ops

from keras_refined_sa import ops as attention_ops
from keras_refined_sa.layers import EfficientSelfAttention, RefinedSelfAttention, SelfAttention
from tests.backend_utils import input_gradients

HEADROOM_GIB = 3
FORMS = {
    "refined": RefinedSelfAttention,
    "efficient": EfficientSelfAttention,
    "softmax": SelfAttention,
}


def mapped_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def main(form):
    x = np.random.default_rng(0).normal(size=(1, 256, 256, 32)).astype("float32")
    layer = FORMS[form]()
    layer.build(x.shape)
    layer.gamma.assign(0.7)
    layer(x[:, :16, :16])  # starts the backend's thread pools and compilers before the limit
    limit = mapped_bytes() + HEADROOM_GIB * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    outputs = ops.convert_to_numpy(layer(x))
    (grad,) = input_gradients(lambda t: layer(t) ** 2, x)
    assert outputs.shape == x.shape and np.isfinite(outputs).all()
    assert grad.shape == x.shape and np.isfinite(grad).all()
    for rows_form in attention_ops.ATTENTION_MAPS:
        rows = ops.convert_to_numpy(layer.attention_rows(x, [(0, 0), (255, 255)], form=rows_form))
        assert rows.shape == (1, 2, 256, 256) and np.isfinite(rows).all()
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
