"""Benchmarks of the attention forms, outside the library: time and memory, each case in a fresh process.

Commands:

- `python -m benchmarks.layers`: one attention block per form (any Keras backend).
- `python -m benchmarks.models`: one training step of the zoo models (TensorFlow).
- `python -m benchmarks.pipeline`: the input pipeline's images per second against a step's.
- `python -m benchmarks.models --engines`: the TensorFlow and JAX engines' steps and a bare jitted
  JAX step, interleaved.
- `python -m benchmarks.gpu OUT` (`benchmarks/gpu/run.sh`): the prepared run for a lent GPU, on JAX.

Packages: `harness` (a case per subprocess under a time limit and a memory cap, compiled steps,
timing, interleaved timing and per-pair ratios, memory, the machine), `reporting` (numbers and
tables, files, plots, targets, progress), `command` (the skeleton every command runs: parse,
measure or `--render`, report), `cli` (the options every command shares), then one package
per command. Nothing in `keras_refined_sa`, `zoo` or `training` imports this package.
"""
