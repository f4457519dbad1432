"""The closed lists of names that training's options and study files accept, each written once.

Neither TensorFlow nor Keras is imported here, so that `training.config` (argparse, before
TensorFlow starts) and `training.experiments.plan` (a study file is checked before anything
heavy loads) read the same tuples as the modules that act on them: `--strategy` is
`training.runtime.strategy`'s, `--precision` `training.trainers.precision`'s, `--corruption`
`training.families.corruption`'s. tests/training/test_single_sources.py fails when a copy of one
of these lists appears in the project's code.

Example:

>>> from training.choices import PRECISIONS
>>> PRECISIONS
('float32', 'mixed_float16', 'mixed_bfloat16')
"""

# `--strategy`: tf.distribute strategies (`training.runtime.strategy.create_strategy`).
STRATEGIES = ("auto", "default", "mirrored", "multiworker")
# `--precision`: Keras dtype policies (`training.trainers.precision`).
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
# `--corruption`: what a reconstruction model learns to undo (`training.families.corruption`).
CORRUPTIONS = ("none", "noise", "mask", "hole")

# The zoo's attention kinds (`zoo.attention.ATTENTION_KINDS`) and model families (the prefixes of
# `zoo.list_models()`), in the zoo's order. The zoo cannot be imported without Keras, so these
# mirror it; tests/training/test_single_sources.py fails when they differ.
ATTENTION_KINDS = ("softmax", "refined", "efficient", "none")
FAMILIES = ("sagan", "autoencoder", "fullres")
