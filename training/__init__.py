"""TensorFlow training of the zoo's models, followed in TensorBoard (`python -m training.run`).

The commands are the modules at the top: `run` (train), `sample` (a picture grid from a run),
`export` (a run's network as `.keras`) and `compare` (finished runs side by side); `config` holds
their options (`TrainConfig`) and `quiet` keeps TensorFlow's start-up messages out of them.
Below them:

- `data`: the sources of training images and the input pipeline (`make_dataset`).
- `trainers`: what one step does: the GAN and reconstruction recipes, losses, metrics, EMA.
- `runtime`: running it: the loop, strategies, checkpoints, progress, a run's logdir.
- `monitoring`: what TensorBoard shows: summaries and attention pictures.
"""
