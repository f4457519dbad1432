"""The shared measuring machinery of every benchmark command.

- `processes`: a `Case` (a target function and its JSON parameters) run in a fresh child
  process (`child`) under `Limits`; OOM and timeouts are reported, never raised.
- `timing`: warm-up, then repeated timed calls of one step.
- `interleave`: several steps timed in alternating rounds, and per-round ratios between them.
- `measure`: a step's timing and the memory it adds; `memory` and `devices` read the process
  and the accelerator.
- `steps`: compiled forward and forward+backward steps on TensorFlow, JAX and PyTorch.
- `environment`: the machine, the versions, the date and the command line.
- `results`: the fields every record and every run's payload share.
"""
