"""Case targets for the harness tests: standard library only, so a child starts in a blink."""

import os
import resource
import signal
import time

_MEBIBYTE = 2**20


def report_pid(value):
    return {"value": value, "pid": os.getpid()}


def sleep(seconds):
    time.sleep(seconds)
    return {}


def allocate_and_hold(megabytes, hold_seconds):
    """Writes `megabytes` of memory, 16 MiB at a time (written, so it is resident), then waits."""
    chunks = [b"\x01" * (16 * _MEBIBYTE) for _ in range(megabytes // 16)]
    time.sleep(hold_seconds)
    return {"chunks": len(chunks)}


def allocate_past_address_limit(limit_megabytes, megabytes):
    """Caps this process's address space, then asks for more: Python raises MemoryError."""
    limit = limit_megabytes * _MEBIBYTE
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return {"size": len(bytearray(megabytes * _MEBIBYTE))}


def raise_value_error(message):
    raise ValueError(message)


def kill_self():
    os.kill(os.getpid(), signal.SIGKILL)
