"""The one error the evaluation commands turn into a message and exit code 2."""


class EvaluationError(ValueError):
    """Bad input to FID/KID: a missing path, an empty folder, an unreadable image or file."""
