"""The lines every benchmark report opens with: command, date, machine, versions, load."""

from benchmarks.reporting.formatting import format_bytes


def environment_markdown(environment):
    """A markdown bullet list of `harness.environment.describe_environment()`'s result."""
    libraries = ", ".join(
        f"{name} {version}" for name, version in environment["backend_libraries"].items()
    )

    def loads(key):
        return ", ".join(f"{value:.2f}" for value in environment[key])

    load = f"{loads('load_average_at_start')} at the start"
    if "load_average_at_end" in environment:
        load += f", {loads('load_average_at_end')} at the end"
    return "\n".join(
        [
            f"- Command: `{environment['command']}`",
            f"- Date: {environment['date']}",
            f"- Machine: {environment['cpu_model']}, {environment['cpu_count']} CPU cores, "
            f"{format_bytes(environment['memory_total_bytes'])} memory; "
            f"{environment['platform']}",
            f"- Versions: Python {environment['python']}, Keras {environment['keras']} "
            f"(backend {environment['keras_backend']}: {libraries}), numpy {environment['numpy']}",
            f"- Load average (1, 5, 15 min): {load}",
        ]
    )


def memory_text(payload):
    """What a run's memory columns measure, by the device it ran on."""
    if payload["device_kind"] == "gpu":
        return "the device allocator's peak"
    return "the peak resident memory (ru_maxrss) of the case's own process"


def load_line(records):
    """The markdown line summarising the machine's load when a run's cases started."""
    loads = [record["load_before"][0] for record in records]
    if not loads:
        return "- Load: no case ran."
    return (
        f"- Load: the 1-minute load average was {sum(loads) / len(loads):.2f} on average "
        f"({min(loads):.2f} to {max(loads):.2f}) when the cases started; a case alone keeps it "
        f"at up to about the number of cores in use, more is other work, which slows the cases "
        f"it meets."
    )


INTERLEAVED_NOTE = (
    "- Ratios: the compared forms are built in one process, and the two forms of each ratio are "
    "timed alone in interleaved rounds (A B, B A, ...); a ratio is the median of the per-round "
    "ratios, with the 25th–75th percentile in brackets; both sides of a round meet the same "
    "load. Memory comes from one fresh process per case."
)
