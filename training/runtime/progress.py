"""The progress bar of a run: step, losses, steps per second, time left and the wait for data."""

import sys

from tqdm.auto import tqdm


class ProgressBar:
    """A tqdm bar over the training steps whose postfix shows the latest losses.

    With `data_wait` it also shows the share of the recent steps' time spent waiting for the
    input pipeline (`data_wait=0%`: the data keeps up; near 100%: the steps wait for data).

    Args:
        total: the step the run ends at.
        initial: the step it starts from (non-zero when resuming).
        enabled: False for `--quiet`.

    Example:

    >>> bar = ProgressBar(total=300, initial=0)
    >>> bar.update({"losses/d_loss": 1.7, "losses/g_loss": 0.4}, data_wait=0.02)
    >>> bar.close()
    """

    def __init__(self, total, initial=0, enabled=True):
        self._bar = tqdm(
            total=total,
            initial=initial,
            unit="step",
            file=sys.stderr,
            disable=not enabled,
            dynamic_ncols=True,
            # Recent speed rather than the mean since the start, which the first step's
            # tracing drags down.
            smoothing=0.1,
        )

    def update(self, logs, data_wait=None):
        """Advances one step and shows `logs` (tags shortened to their last part).

        Args:
            logs: `{tag: value}` of the step.
            data_wait: the fraction of the recent steps' time spent waiting for their batches
                (see `training.runtime.loop.DataWait`), or None to leave it out.
        """
        postfix = {tag.rsplit("/", 1)[-1]: f"{value:.4g}" for tag, value in logs.items()}
        if data_wait is not None:
            postfix["data_wait"] = f"{100 * data_wait:.0f}%"
        self._bar.set_postfix(postfix, refresh=False)
        self._bar.update(1)

    def write(self, message):
        """Prints a line without breaking the bar."""
        self._bar.write(message, file=sys.stderr)

    def close(self):
        self._bar.close()
