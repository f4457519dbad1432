"""One run, one writer: a lock on `<logdir>/.lock` held while a process trains in the logdir."""

import fcntl
import os
import sys

LOCK_FILENAME = ".lock"


class RunLocked(RuntimeError):
    """Another process holds the logdir's lock: it is training (or resuming) that run."""


class RunLock:
    """An exclusive `fcntl.flock` on `<logdir>/.lock`, with the holder's PID written in it.

    The kernel releases the lock when the holding process exits, however it dies (SIGKILL
    included): a stale `.lock` file left by a killed run does not block its `--resume`.

    Example:

    >>> import tempfile
    >>> lock = RunLock(tempfile.mkdtemp()).acquire()  # RunLocked names another holder's PID
    >>> lock.release()
    """

    def __init__(self, logdir):
        self.path = os.path.join(logdir, LOCK_FILENAME)
        self._fd = None

    def acquire(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunLocked(
                f"another process (PID {holder}) is training in {os.path.dirname(self.path)}: "
                f"only one process may write a run. Wait for it to end or stop it (kill "
                f"{holder}); then --resume continues from its last checkpoint."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self):
        if self._fd is not None:
            # The PID goes: a reader of the file sees that nobody trains here now.
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


def train_under_lock(logdir, train):
    """Runs `train()` holding the lock of `logdir` (created if missing) and returns its exit code;
    returns 1, with the reason on stderr, when another process holds the lock. Both engines
    train this way."""
    os.makedirs(logdir, exist_ok=True)
    try:
        lock = RunLock(logdir).acquire()
    except RunLocked as locked:
        print(f"error: {locked}", file=sys.stderr)
        return 1
    try:
        return train()
    finally:
        lock.release()
