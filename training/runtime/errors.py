"""The error of a run that cannot be read back or continued, shared by both engines (no TensorFlow)."""


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt, or does not fit the run that should continue from it."""
