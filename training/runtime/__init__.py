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

from training.runtime.checkpoints import CheckpointError
from training.runtime.checkpoints import RunCheckpoint
from training.runtime.checkpoints import find_checkpoints
from training.runtime.checkpoints import latest_checkpoint
from training.runtime.checkpoints import readable_checkpoint
from training.runtime.checkpoints import restore_objects
from training.runtime.loop import TrainingDiverged
from training.runtime.loop import fit
from training.runtime.prepared_run import PreparedRun
from training.runtime.prepared_run import heldout_split
from training.runtime.prepared_run import prepare
from training.runtime.progress import ProgressBar
from training.runtime.saved_run import SavedRun
from training.runtime.saved_run import load_saved_run
from training.runtime.strategy import STRATEGIES
from training.runtime.strategy import create_strategy
from training.runtime.strategy import worker_index

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
