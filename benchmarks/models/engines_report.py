"""`python -m benchmarks.models --engines`: its cases and its report.

One case per `--precision` (see `benchmarks.models.engines`); the report gives each engine's
steps/s and peak memory, the JAX engine's step over TensorFlow's and over a bare jitted step
(target: ≤ 1.10×, the engine's own overhead), all interleaved.
"""

from benchmarks.harness.processes import Case
from benchmarks.reporting import document as opening
from benchmarks.reporting import files
from benchmarks.reporting.formatting import format_bytes, format_ratio_spread, markdown_table

TARGET = "benchmarks.models.engines:run_engines_case"
# The JAX engine's step over a bare jitted step of the same model, at most (issue #20).
OVERHEAD_TARGET = 1.10


def engine_cases(args, *, rounds, warmup, max_timing_s):
    """One `Case` per precision: the first model at the first resolution."""
    return [
        Case(TARGET, {"model": args.models[0], "resolution": args.resolutions[0],
                      "batch_size": args.batch_size, "ch": args.ch, "precision": precision,
                      "rounds": rounds, "warmup": warmup, "max_timing_s": max_timing_s},
             f"{args.models[0]} {precision} engines")
        for precision in args.precision
    ]  # fmt: skip


def describe(case, result):
    ratios = result.metrics.get("ratios")
    if not ratios:
        return ""
    return ", ".join(f"{name} {stats['median']:.3f}" for name, stats in ratios.items())


def _row(record):
    if record["status"] != "OK":
        return {"precision": record["precision"], "status": record["status"]}
    rates, peaks = record["steps_per_s"], record["peak_rss_by_process"]
    compiled = record["jax_compiled_bytes"]
    overhead = record["ratios"]["jax_engine/jax_bare"]
    return {
        "precision": record["precision"],
        "status": "OK",
        "TF steps/s": f"{rates['tensorflow']:.2f}",
        "JAX engine steps/s": f"{rates['jax_engine']:.2f}",
        "bare JAX steps/s": f"{rates['jax_bare']:.2f}",
        "JAX engine / TF time": format_ratio_spread(record["ratios"]["jax_engine/tensorflow"]),
        "JAX engine / bare time": format_ratio_spread(overhead)
        + (" met" if overhead["median"] <= OVERHEAD_TARGET else " **not met**"),
        "peak RSS TF / JAX": f"{format_bytes(peaks['tensorflow'])} / {format_bytes(peaks['jax'])}",
        "XLA bytes engine / bare": f"{format_bytes(compiled['engine'])} / "
        f"{format_bytes(compiled['bare'])}",
        "rounds": str(record["rounds"]),
    }


COLUMNS = [
    (header, lambda row, header=header: row.get(header, "–"))
    for header in ("precision", "status", "TF steps/s", "JAX engine steps/s", "bare JAX steps/s",
                   "JAX engine / TF time", "JAX engine / bare time", "peak RSS TF / JAX",
                   "XLA bytes engine / bare", "rounds")
]  # fmt: skip


def document(payload):
    """The markdown of an engines run."""
    environment, settings = payload["environment"], payload["settings"]
    rows = [_row(record) for record in payload["records"]]
    device = payload["device_name"]
    if device == "unknown":  # A run made before the case named its device.
        device = environment["cpu_model"]
    return "\n".join([
        f"# Engines: TensorFlow against JAX, a training step on {device}",

        "",
        opening.environment_markdown(environment),
        f"- Model: `{settings['model']}` at {settings['resolution']} px, ch = {settings['ch']}, "
        f"batch {settings['batch_size']}, on a constant random batch; up to "
        f"{settings['rounds']} rounds within {settings['max_timing_s']:g} s, "
        f"{settings['warmup']} warm-up steps.",
        opening.load_line(payload["records"]),
        "- Steps, timed in rotating order each round: TensorFlow's `trainer.train_step()` of "
        "`python -m training.run` (one process); the JAX engine's `JaxTrainer.train_step()` "
        "(data, logs, RNG, moving average) and a bare jitted stateless G+D step of the same "
        "model (no moving average, no RNG, no logs), both in one JAX process beside it. "
        "steps/s: 1 / the median time; ratios: medians (25th–75th percentile) of the per-round "
        f"ratios. Target: JAX engine / bare ≤ {OVERHEAD_TARGET:.2f}×.",
        "- Memory: each process's peak resident memory (the TensorFlow one holds only its "
        "engine; the JAX one both JAX steps), and XLA's temp + argument + output bytes of each "
        "compiled JAX step.",
        "",
        markdown_table(rows, COLUMNS),
        "",
    ])  # fmt: skip


def render(payload, output_dir, name):
    """Writes `name.json` and `name.md`; returns the markdown."""
    return files.write_report(output_dir, name, payload, document(payload))
