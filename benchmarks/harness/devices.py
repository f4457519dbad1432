"""Which device the active Keras backend computes on: a CPU, or its first accelerator.

Only a benchmark's child process asks (a JAX parent would otherwise reserve most of a GPU's
memory for itself); the parent reads the answer from the child's records (`results.run_device`).
"""

import keras


def jax_accelerator():
    """JAX's first device when it is an accelerator, else None."""
    import jax

    device = jax.devices()[0]
    return None if device.platform == "cpu" else device


def tensorflow_gpu():
    """The name of TensorFlow's first logical GPU, or None."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return gpus[0].name if gpus else None


def torch_cuda():
    """Whether PyTorch sees a CUDA device."""
    import torch

    return torch.cuda.is_available()


def device_description():
    """`("cpu", "cpu")` or `("gpu", name)` for the device the backend computes on."""
    backend = keras.backend.backend()
    if backend == "jax":
        device = jax_accelerator()
        if device is not None:
            return "gpu", device.device_kind
    elif backend == "tensorflow":
        gpu = tensorflow_gpu()
        if gpu is not None:
            import tensorflow as tf

            details = tf.config.experimental.get_device_details(
                tf.config.list_physical_devices("GPU")[0]
            )
            return "gpu", details.get("device_name", gpu)
    elif backend == "torch" and torch_cuda():
        import torch

        return "gpu", torch.cuda.get_device_name(0)
    return "cpu", "cpu"


def compilation(backend, jit_compile=False):
    """How the benchmarks compile a step on `backend`, in words."""
    if backend == "tensorflow":
        return "tf.function" + (" with XLA" if jit_compile else " without XLA")
    return {"jax": "jax.jit", "torch": "eager PyTorch"}.get(backend, backend)
