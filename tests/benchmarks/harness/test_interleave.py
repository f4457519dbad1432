import pytest

from benchmarks.harness.interleave import compare_pairs, ratio_stats, time_interleaved


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _steps(clock, durations, order):
    """Steps that advance `clock` by their duration and log their name in `order`."""

    def make(name):
        def step():
            order.append(name)
            clock.now += durations[name]

        return step

    return {name: make(name) for name in durations}


def test_rounds_rotate_the_starting_step_and_warmup_is_untimed():
    clock, order = _Clock(), []
    steps = _steps(clock, {"a": 1.0, "b": 2.0, "c": 4.0}, order)
    times = time_interleaved(steps, rounds=3, warmup=1, clock=clock)
    assert order == ["a", "b", "c"] + ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert times == {"a": [1.0] * 3, "b": [2.0] * 3, "c": [4.0] * 3}


def test_the_budget_stops_rounds_but_never_below_the_minimum():
    clock = _Clock()
    steps = _steps(clock, {"a": 10.0, "b": 10.0}, [])
    times = time_interleaved(steps, rounds=50, warmup=0, max_seconds=45, clock=clock)
    assert len(times["a"]) == 3  # A round takes 20 s: 3 rounds are the minimum.
    times = time_interleaved(steps, rounds=50, warmup=0, max_seconds=100, clock=clock)
    assert len(times["a"]) == 5  # 80 s spent; a fifth round ends at 100 s, a sixth would pass.


def test_ratios_are_per_round_so_a_shared_slowdown_cancels():
    # The machine slows down 3× in the middle rounds: both steps alike.
    load = [1.0, 1.0, 3.0, 3.0, 1.0]
    refined = [0.11 * factor for factor in load]
    floor = [0.10 * factor for factor in load]
    stats = ratio_stats(refined, floor)
    assert stats.median == pytest.approx(1.1) and stats.q1 == pytest.approx(1.1)
    assert stats.pairs == 5


def test_each_pair_is_timed_on_its_own():
    clock, order = _Clock(), []
    steps = _steps(clock, {"refined": 2.0, "projections": 1.0, "softmax": 50.0}, order)
    ratios = compare_pairs(
        steps, [("refined", "projections"), ("softmax", "refined"), ("fused", "refined")],
        rounds=4, warmup=0, clock=clock,
    )  # fmt: skip
    assert list(ratios) == ["refined/projections", "softmax/refined"]
    # The slow softmax never runs in the rounds of the refined / projections pair.
    assert order[:8] == ["refined", "projections", "projections", "refined"] * 2
    floor = ratios["refined/projections"]
    assert floor["median"] == 2.0 and floor["pairs"] == 4
    assert floor["median_s"] == {"refined": 2.0, "projections": 1.0}
    assert ratios["softmax/refined"]["median"] == 25.0


@pytest.mark.parametrize(
    "kwargs, name", [({"rounds": 0}, "rounds"), ({"warmup": -1}, "warmup"),
                     ({"min_rounds": 0}, "min_rounds")],  # fmt: skip
)
def test_invalid_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        time_interleaved({"a": lambda: None}, **kwargs)


def test_ratio_stats_need_matching_rounds():
    with pytest.raises(ValueError, match="rounds"):
        ratio_stats([1.0, 2.0], [1.0])
