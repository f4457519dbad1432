"""Running a training: from a checked config to trained weights, and back from a logdir.

- `prepared_run`: `prepare(config)` checks a `TrainConfig` against the zoo, the data and the
  logdir and builds the run; `PreparedRun.train()` trains or resumes it.
- `saved_run`: `load_saved_run(logdir)` rebuilds a run's network and restores its weights (what
  `python -m training.sample` and `training.export` use).
- `loop`: `fit`, the steps with their summaries, evaluations, checkpoints and clean stop on signals.
- `strategy`: the `tf.distribute` strategy of `--strategy` and which process is the chief.
- `checkpoints`: saving often, resuming exactly, finding checkpoints from their files
  (`readable_checkpoint`). `lock`: one writing process per logdir. `progress`: the progress bar.
- `loop` also stops a run whose losses or weights stop being finite (`TrainingDiverged`).
"""

import importlib

# Loaded on first use: the TensorFlow modules stay unimported for the TF-free ones (`lock`,
# `progress`) that the JAX engine imports.
_WHERE = {
    "CheckpointError": "training.runtime.errors",
    "RunCheckpoint": "training.runtime.checkpoints",
    "find_checkpoints": "training.runtime.checkpoints",
    "latest_checkpoint": "training.runtime.checkpoints",
    "readable_checkpoint": "training.runtime.checkpoints",
    "restore_objects": "training.runtime.checkpoints",
    "TrainingDiverged": "training.runtime.loop",
    "fit": "training.runtime.loop",
    "PreparedRun": "training.runtime.prepared_run",
    "heldout_split": "training.runtime.prepared_run",
    "prepare": "training.runtime.prepared_run",
    "ProgressBar": "training.runtime.progress",
    "SavedRun": "training.runtime.saved_run",
    "load_saved_run": "training.runtime.saved_run",
    "STRATEGIES": "training.runtime.strategy",
    "create_strategy": "training.runtime.strategy",
    "worker_index": "training.runtime.strategy",
}

__all__ = [
    "STRATEGIES",
    "CheckpointError",
    "TrainingDiverged",
    "PreparedRun",
    "ProgressBar",
    "RunCheckpoint",
    "SavedRun",
    "create_strategy",
    "find_checkpoints",
    "fit",
    "heldout_split",
    "latest_checkpoint",
    "load_saved_run",
    "prepare",
    "readable_checkpoint",
    "restore_objects",
    "worker_index",
]


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
