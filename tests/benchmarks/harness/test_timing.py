import pytest

from benchmarks.harness.timing import time_repeated


class _FakeStep:
    """A step whose successive calls take the given durations on a fake clock."""

    def __init__(self, durations):
        self.durations = list(durations)
        self.now = 0.0
        self.calls = 0

    def clock(self):
        return self.now

    def __call__(self):
        self.now += self.durations[self.calls]
        self.calls += 1


def _time(durations, **kwargs):
    step = _FakeStep(durations)
    return step, time_repeated(step, clock=step.clock, **kwargs)


def test_warmup_calls_are_not_timed_and_statistics_are_right():
    step, stats = _time([9.0, 1.0, 2.0, 100.0, 3.0, 4.0], repeats=5, warmup=1, max_seconds=1000)
    assert stats.warmup_s == (9.0,)
    assert stats.times_s == (1.0, 2.0, 100.0, 3.0, 4.0)
    metrics = stats.as_dict()
    assert metrics["time_median_s"] == 3.0
    assert (metrics["time_min_s"], metrics["time_max_s"]) == (1.0, 100.0)
    assert (metrics["time_q1_s"], metrics["time_q3_s"]) == (2.0, 4.0)
    assert metrics["repeats"] == 5
    assert step.calls == 6


def test_slow_steps_get_fewer_repeats():
    step, stats = _time([30.0] * 10, repeats=5, warmup=1, max_seconds=60)
    # 30 s timed, another 30 s fits the 60 s budget, a third would not.
    assert stats.times_s == (30.0, 30.0)
    assert step.calls == 3


def test_one_call_is_timed_even_past_the_budget():
    _, stats = _time([500.0, 500.0, 500.0], repeats=5, warmup=1, max_seconds=60)
    assert stats.times_s == (500.0,)
    assert stats.quartiles_s == (500.0, 500.0)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"repeats": 0}, "repeats"), ({"warmup": -1}, "warmup"), ({"max_seconds": 0}, "max_seconds")],
)
def test_invalid_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        time_repeated(lambda: None, **kwargs)
