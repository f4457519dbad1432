"""`python -m benchmarks.models`: time and memory of one training step of the zoo models.

TensorFlow only: it runs `training`'s own step.

- `sweep`: where the attention goes (placements), which cases a run makes, its records.
- `cases`: what a child process runs: one model's step alone, or several models interleaved.
- `targets`: the model-level target, judged from a run.
- `report` and `plots`: tables, the document, the bar plot of step times; `render`.
"""
