"""The prepared GPU run: `bash benchmarks/gpu/run.sh` (or `python -m benchmarks.gpu OUT`) on JAX.

For a lent GPU machine without TensorFlow (issue #20): the quickstart on the JAX engine, then the
JAX engine's step against a bare jitted step for `sagan_{none,refined,softmax}` at 128 px
(ch 64, batch 32, `mixed_bfloat16`), a JSON written after every case. See docs/benchmarks.md.
"""
