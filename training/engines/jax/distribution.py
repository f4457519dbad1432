"""Devices and hosts of a JAX run: `keras.distribution.DataParallel` over `jax.devices()`.

One process sees every local device (GPUs, or CPUs split with
`XLA_FLAGS=--xla_force_host_platform_device_count=N`); with several, the models' variables are
replicated on all of them and each batch is sharded along its first axis, and the jitted step
computes the global means it computes on one device.

Several hosts: start one process per host with the same command and

    JAX_COORDINATOR_ADDRESS=<host 0>:<port> JAX_NUM_PROCESSES=<hosts> JAX_PROCESS_ID=<k>

`initialize_hosts` then calls `jax.distributed.initialize`, `jax.devices()` lists the devices
of every host, and each process reads its own share of each batch (`shard`) that
`jax.make_array_from_process_local_data` assembles into the global batch. (Only the single-host
path is tested here.)
"""

import contextlib
import os

import jax
import keras
import numpy as np

HOST_VARIABLES = ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")


def initialize_hosts(environ=None):
    """Joins a multi-host run when `JAX_COORDINATOR_ADDRESS` is set; returns the process count.

    Raises:
        ValueError: the address is set without `JAX_NUM_PROCESSES` and `JAX_PROCESS_ID`.
    """
    environ = os.environ if environ is None else environ
    if not environ.get("JAX_COORDINATOR_ADDRESS"):
        return 1
    missing = [name for name in HOST_VARIABLES if not environ.get(name)]
    if missing:
        raise ValueError(
            f"a multi-host JAX run needs {', '.join(HOST_VARIABLES)}; {', '.join(missing)} "
            f"missing. Set them on every host (process ids 0 .. count - 1)."
        )
    jax.distributed.initialize(
        coordinator_address=environ["JAX_COORDINATOR_ADDRESS"],
        num_processes=int(environ["JAX_NUM_PROCESSES"]),
        process_id=int(environ["JAX_PROCESS_ID"]),
    )
    return jax.process_count()


class Devices:
    """The devices one run trains on.

    Example:

    >>> devices = Devices()
    >>> batch = devices.put((np.zeros((4, 2), "float32"), np.zeros((4,), "int32")))
    >>> [array.shape for array in batch], devices.count >= 1
    ([(4, 2), (4,)], True)

    Args:
        strategy: `--strategy`: "auto" for every device, "default" for the first one only.
    """

    def __init__(self, strategy="auto"):
        self.devices = jax.devices() if strategy == "auto" else jax.devices()[:1]
        self.count = len(self.devices)
        self.distribution = keras.distribution.DataParallel(devices=self.devices)
        mesh = self.distribution.device_mesh.backend_mesh
        self._replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
        self._mesh = mesh
        self._axis = self.distribution.batch_dim_name

    @property
    def is_chief(self):
        """Whether this process writes the run's logs and pictures (process 0)."""
        return jax.process_index() == 0

    def shard(self):
        """`(index, count)` of this process's share of each batch."""
        return jax.process_index(), jax.process_count()

    def scope(self):
        """Builds variables replicated over the devices (a no-op context on one device)."""
        if self.count == 1:
            return contextlib.nullcontext()
        return self.distribution.scope()

    def put(self, arrays):
        """This process's share of a batch -> global arrays sharded along the first axis."""
        placed = []
        for array in arrays:
            spec = jax.sharding.PartitionSpec(self._axis, *([None] * (np.ndim(array) - 1)))
            sharding = jax.sharding.NamedSharding(self._mesh, spec)
            placed.append(jax.make_array_from_process_local_data(sharding, np.asarray(array)))
        return tuple(placed)

    def replicate(self, tree):
        """Every array of `tree` on every device."""
        return jax.device_put(tree, self._replicated)
