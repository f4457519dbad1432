"""`python -m benchmarks.layers`: time and memory of the attention forms, one block each.

- `forms`: the blocks compared (projections floor, softmax, fused softmax, quadratic, refined,
  efficient).
- `flops`: their analytic FLOP counts.
- `cases`: what a child process runs: one form alone, or several interleaved.
- `sweep`: which cases a run makes, and its records.
- `targets`: the targets, judged from a run.
- `report`: tables, document, plots.
"""
