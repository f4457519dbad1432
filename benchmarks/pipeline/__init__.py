"""`python -m benchmarks.pipeline`: what the input pipeline alone delivers, against a step's needs.

TensorFlow only: it runs `training.data.make_dataset`, and `training`'s own step for the rate a
training step consumes.

- `sources`: the datasets measured; writes the temporary image folder and prepares the
  temporary tensorflow-datasets dataset they need.
- `cases`: what a child process runs: one pipeline's batches, or one model's training step.
- `report`: the table (images/s delivered, images/s consumed, headroom, CPU share) and document.
"""
