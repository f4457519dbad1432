"""The JAX engine: trains the families of `training.families` with a jitted stateless step.

Runs without TensorFlow installed: nothing here, nor anything it imports, imports TensorFlow.

- `run`: `prepare(config)` checks the options and builds the model, `JaxRun.train()` trains.
- `options`: the options JAX refuses, naming the backend that has them.
- `trainer`: `JaxTrainer`, the state between steps: data, pictures, checkpoint contents.
- `step`: `TrainStep`, the jitted step run generically from `Family.updates`.
- `state`: the variables as pytrees, the moving average on arrays.
- `noise`: the RNG: `fold_in(key(seed), step)`, so the step counter is the whole RNG state.
- `distribution`: `keras.distribution.DataParallel` over `jax.devices()`, `jax.distributed`.
- `checkpoints`: orbax-checkpoint, atomic, `max_to_keep`.
- `loop`: `fit`, the TensorFlow loop's schedule and divergence guard with orbax saves.

Usage: `KERAS_BACKEND=jax python -m training.run --model sagan_refined`.
"""
