import pytest

from benchmarks.models import search
from benchmarks.models.batch_search import DOES_NOT_FIT, FITS, search_largest_batch


def threshold_probe(largest, log=None):
    """A probe under which every batch up to `largest` fits."""

    def probe(batch_size):
        if log is not None:
            log.append(batch_size)
        return FITS if batch_size <= largest else DOES_NOT_FIT

    return probe


def test_search_finds_37_by_doubling_then_bisecting():
    probed = []
    result = search_largest_batch(
        threshold_probe(37, probed), start=8, max_batch=1024, bisection_steps=5
    )
    assert (result.largest_fitting, result.smallest_failing) == (37, 38)
    assert result.exact and result.stopped_by is None
    # Doubling brackets [32, 64); five halvings of a bracket 32 wide end exact.
    assert probed[:4] == [8, 16, 32, 64]
    assert len(probed) == 4 + 5
    assert [batch for batch, _ in result.probes] == probed


def test_search_with_fewer_bisection_steps_gives_a_bracket():
    result = search_largest_batch(threshold_probe(37), start=8, max_batch=1024, bisection_steps=2)
    assert result.largest_fitting <= 37 < result.smallest_failing
    assert not result.exact and result.stopped_by == "bisection_steps"
    # Two halvings of the bracket [32, 64) leave it 8 wide.
    assert result.smallest_failing - result.largest_fitting == 8


@pytest.mark.parametrize("largest", [1, 2, 3, 5, 7, 8, 9, 100, 255])
def test_search_is_exact_with_enough_steps(largest):
    result = search_largest_batch(
        threshold_probe(largest), start=8, max_batch=256, bisection_steps=8
    )
    assert result.largest_fitting == largest and result.exact


def test_search_when_nothing_fits():
    result = search_largest_batch(threshold_probe(0), start=8)
    assert result.largest_fitting is None and result.smallest_failing == 1
    assert [batch for batch, _ in result.probes] == [8, 4, 2, 1]


def test_search_stops_at_max_batch():
    result = search_largest_batch(threshold_probe(1000), start=8, max_batch=100)
    assert [batch for batch, _ in result.probes] == [8, 16, 32, 64, 100]
    assert result.largest_fitting == 100 and result.smallest_failing is None
    assert result.stopped_by == "max_batch" and not result.exact


def test_search_stops_at_a_probe_that_neither_fits_nor_runs_out_of_memory():
    result = search_largest_batch(lambda batch: FITS if batch < 32 else "timeout", start=8)
    assert result.largest_fitting == 16 and result.smallest_failing is None
    assert result.stopped_by == "timeout at batch 32"


def test_search_stops_when_its_time_budget_is_spent():
    now = [0.0]

    def clock():
        return now[0]

    def slow_probe(batch_size):
        now[0] += 10.0
        return FITS

    result = search_largest_batch(slow_probe, start=1, max_batch=1024, budget_s=25, clock=clock)
    # Probes start at 0, 10 and 20 s; at 30 s the budget of 25 s is spent.
    assert [batch for batch, _ in result.probes] == [1, 2, 4]
    assert result.stopped_by == "time_budget" and result.elapsed_s == 30.0


@pytest.mark.parametrize(
    "arguments", [{"start": 0}, {"max_batch": -1}, {"bisection_steps": -1}, {"start": 2.5}]
)
def test_search_rejects_bad_arguments(arguments):
    with pytest.raises(ValueError, match=next(iter(arguments))):
        search_largest_batch(threshold_probe(4), **arguments)


def test_a_step_fits_only_below_the_cap():
    assert search.fits("OK", 10, 11) == FITS
    assert search.fits("OK", 12, 11) == DOES_NOT_FIT  # Grew past the cap between polls.
    assert search.fits("OOM", 0, 11) == DOES_NOT_FIT
    assert search.fits("timeout", 0, 11) == "timeout"
