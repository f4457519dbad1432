import pytest

from benchmarks import command


@pytest.fixture
def in_process(monkeypatch):
    """Runs a benchmark command's `main` in this process (no second TensorFlow import) without
    taking over pytest's SIGTERM (tests/benchmarks/layers checks that in a subprocess)."""
    monkeypatch.setattr(command, "exit_on_sigterm", lambda: None)
