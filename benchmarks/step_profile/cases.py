"""The step profile's case: a zoo model's real training step, timed, then profiled.

Runs in a child process of the benchmark harness (`benchmarks.harness.processes`), on the
trainer `python -m training.run` builds, fed a constant batch as the model benchmark's cases are
(`benchmarks.models.cases`).
"""

import tempfile

from benchmarks.harness.measure import measure_step
from benchmarks.models.cases import attach_synthetic_data, build_trainer
from benchmarks.step_profile.breakdown import break_down
from benchmarks.step_profile.trace import profile_op_seconds
from training.monitoring.attention_pictures import attention_layers


def _layers_of(trainer):
    """`{network: [top-level layer names]}` and `[(network, attention layer name)]`."""
    layers_by_network, blocks = {}, []
    for network in trainer.networks().values():
        top_level = [layer.name for layer in network.layers]
        layers_by_network[network.name] = top_level
        for layer in attention_layers(network):
            if layer.name not in top_level:
                raise ValueError(
                    f"The attention layer {layer.name!r} of {network.name!r} sits inside "
                    "another layer; the profile groups ops by top-level layers only."
                )
            blocks.append((network.name, layer.name))
    return layers_by_network, blocks


def run_profile_case(
    model,
    resolution,
    batch_size,
    ch,
    precision="float32",
    profiled_steps=10,
    repeats=10,
    warmup=3,
    max_timing_s=30.0,
    seed=0,
):
    """Times `model`'s training step, then profiles `profiled_steps` more and breaks their op
    time down by layer and, inside the attention blocks, by op.

    Args:
        model, resolution, batch_size, ch, precision, seed: see
            `benchmarks.models.cases.build_trainer` (no XLA: an XLA step runs as one fused op).
        profiled_steps: steps under the profiler, after the timed ones.
        repeats, warmup, max_timing_s: of the timing without the profiler; see
            `benchmarks.harness.timing.time_repeated`.

    Returns:
        The metrics of `measure_step` (the step without the profiler), `attention_blocks`
        (`"network/layer"` names) and the op times per step of
        `breakdown.break_down` (`total_ms`, `attention_ms`, `layers`, `attention_op_types`,
        `attention_parts`).
    """
    with tempfile.TemporaryDirectory(prefix="step_profile_") as logdir:
        trainer = build_trainer(
            model, resolution, batch_size, ch, logdir, seed=seed, precision=precision
        )
        layers_by_network, blocks = _layers_of(trainer)
        attach_synthetic_data(trainer, seed)
        metrics = measure_step(
            trainer.train_step, repeats=repeats, warmup=warmup, max_seconds=max_timing_s
        )
        op_seconds = profile_op_seconds(trainer.train_step, profiled_steps)
    return {
        **metrics,
        "attention_blocks": [f"{network}/{layer}" for network, layer in blocks],
        **break_down(op_seconds, layers_by_network, blocks),
    }
