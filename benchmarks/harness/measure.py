"""One measurement of a built step: its time, and the memory it needs on top of what is held."""

from benchmarks.harness import devices, memory
from benchmarks.harness.timing import time_repeated


def measure_step(step, *, repeats=5, warmup=1, max_seconds=60.0):
    """Times `step` and records the process's memory around it.

    Call it once the model and its inputs exist, so that the baseline holds the imports, the
    weights and the inputs, and the peak minus the baseline is what running the step adds.
    Meant for a fresh process per measurement (see `processes`): the resident peak covers the
    process's whole life.

    Args:
        step: a callable without arguments that returns once its work is done.
        repeats, warmup, max_seconds: see `timing.time_repeated`.

    Returns:
        A dict: the timing metrics of `TimingStats.as_dict`, `baseline_rss_bytes`,
        `peak_rss_bytes`, `device_kind` ("cpu" or "gpu"), `device_name`, and on an accelerator
        `baseline_device_bytes` and `peak_device_bytes`.

    Example:

    >>> metrics = measure_step(lambda: sum(range(1000)), repeats=2)
    >>> metrics["peak_rss_bytes"] >= metrics["baseline_rss_bytes"]
    True
    """
    baseline_rss = memory.current_rss_bytes()
    device_before = memory.device_memory_bytes()
    memory.reset_device_peak()
    timing = time_repeated(step, repeats=repeats, warmup=warmup, max_seconds=max_seconds)
    device_kind, device_name = devices.device_description()
    metrics = {
        **timing.as_dict(),
        "baseline_rss_bytes": baseline_rss,
        "peak_rss_bytes": memory.peak_rss_bytes(),
        "device_kind": device_kind,
        "device_name": device_name,
    }
    device_after = memory.device_memory_bytes()
    if device_after is not None:
        metrics["baseline_device_bytes"] = device_before["in_use"]
        metrics["peak_device_bytes"] = device_after["peak"]
    return metrics
