import pytest

from benchmarks.reporting.formatting import (
    format_bytes,
    format_ratio,
    format_ratio_spread,
    format_seconds,
    status_cell,
    time_spread,
)


@pytest.mark.parametrize(
    "seconds, text",
    [(0.000123, "123 µs"), (0.0456, "45.6 ms"), (3.2, "3.2 s"), (123.4, "123 s"), (None, "–")],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_bytes_ratios_and_cells():
    assert format_bytes(123456789) == "118 MiB"
    assert format_ratio(12.345) == "12.3×" and format_ratio(None) == "–"
    assert format_ratio_spread({"median": 1.0, "q1": 0.9, "q3": 1.1, "pairs": 3}) == "1× (0.9–1.1)"
    assert status_cell({"status": "OOM"}) == "**OOM**" and status_cell(None) == "–"
    record = {"status": "OK", "time_min_s": 0.001, "time_max_s": 0.002, "repeats": 4}
    assert time_spread(record) == "1 ms – 2 ms (4×)"
    assert time_spread({"status": "timeout"}) == "–"
