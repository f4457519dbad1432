"""Benchmarks of the attention forms: time and memory, each case in a fresh process.

`python -m keras_refined_sa.benchmark` runs the layer benchmark (see `__main__`). The pieces are
reusable by any other benchmark: `harness` (a case per subprocess, time limit, memory cap, OOM
and timeout reported, never raised), `measure` and `timing` (warm-up, repeats, median and
spread, resident and device peak memory), `steps` (compiled forward and forward+backward
steps on TensorFlow, JAX and PyTorch), `report` and `plots` (markdown, JSON, log-log plots).
"""
