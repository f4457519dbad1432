import os
import signal

import pytest

from benchmarks.harness.processes import Case, Limits, classify_failure, run_case, run_cases

_TARGETS = "tests.benchmarks.harness.child_targets"
_MEBIBYTE = 2**20


def _case(function, **params):
    return Case(f"{_TARGETS}:{function}", params, name=function)


def test_case_runs_in_a_fresh_process_and_returns_its_metrics():
    result = run_case(_case("report_pid", value=3), Limits(time_limit_s=60))
    assert result.status == "OK", result.error
    assert result.metrics["value"] == 3
    assert result.metrics["pid"] != os.getpid()
    record = result.as_record()
    assert record["status"] == "OK" and record["value"] == 3
    assert len(record["load_before"]) == 3 and len(record["load_after"]) == 3


def test_case_past_its_time_limit_is_a_timeout():
    result = run_case(_case("sleep", seconds=60), Limits(time_limit_s=1.5))
    assert result.status == "timeout"
    assert "1.5 s" in result.error
    assert result.wall_s < 30
    assert result.metrics == {}


def test_case_above_the_memory_cap_is_oom():
    cap = 200 * _MEBIBYTE
    result = run_case(
        _case("allocate_and_hold", megabytes=1024, hold_seconds=60),
        Limits(time_limit_s=60, memory_limit_bytes=cap),
    )
    assert result.status == "OOM"
    assert result.max_polled_rss_bytes > cap
    assert result.wall_s < 30


def test_memory_error_in_the_child_is_oom():
    result = run_case(
        _case("allocate_past_address_limit", limit_megabytes=1024, megabytes=2048),
        Limits(time_limit_s=60),
    )
    assert result.status == "OOM"
    assert "MemoryError" in result.error


def test_exception_in_the_child_is_an_error_with_its_message():
    result = run_case(_case("raise_value_error", message="bad shape 7"), Limits(time_limit_s=60))
    assert result.status == "error"
    assert "ValueError: bad shape 7" in result.error


def test_child_killed_by_sigkill_is_oom():
    result = run_case(_case("kill_self"), Limits(time_limit_s=60))
    assert result.status == "OOM"
    assert "SIGKILL" in result.error


def test_run_cases_goes_on_after_failures():
    seen = []
    results = run_cases(
        [
            _case("sleep", seconds=60),
            _case("raise_value_error", message="x"),
            _case("report_pid", value=1),
        ],
        Limits(time_limit_s=1.5),
        on_result=lambda case, result: seen.append((case.name, result.status)),
    )
    assert [result.status for result in results] == ["timeout", "error", "OK"]
    assert seen == [("sleep", "timeout"), ("raise_value_error", "error"), ("report_pid", "OK")]


@pytest.mark.parametrize(
    "returncode, log_tail, expected",
    [
        (-signal.SIGABRT, "terminate called after throwing an instance of 'std::bad_alloc'", "OOM"),
        (1, "Traceback ... MemoryError", "OOM"),
        (1, "Segmentation fault", "error"),
        (-signal.SIGKILL, "", "OOM"),
    ],
)
def test_classify_failure_of_a_child_that_wrote_no_result(returncode, log_tail, expected):
    status, error = classify_failure(None, returncode, None, log_tail, Limits())
    assert status == expected
    assert error


def test_classify_failure_prefers_the_parent_kill_over_the_child_result():
    child_result = {"status": "OK", "metrics": {}}
    assert classify_failure("timeout", -9, child_result, "", Limits())[0] == "timeout"
    assert classify_failure(None, 0, child_result, "", Limits())[0] == "OK"


@pytest.mark.parametrize("target", ["no_colon", ":function", "module:"])
def test_case_rejects_a_malformed_target(target):
    with pytest.raises(ValueError, match="target"):
        Case(target)


@pytest.mark.parametrize("field", ["time_limit_s", "memory_limit_bytes", "poll_interval_s"])
def test_limits_reject_non_positive_values(field):
    with pytest.raises(ValueError, match=field):
        Limits(**{field: 0})
