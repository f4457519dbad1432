import argparse

import pytest

from benchmarks import cli


@pytest.mark.parametrize("kind, text", [(int, "0"), (int, "-3"), (float, "0.0"), (int, "x")])
def test_positive_rejects(kind, text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.positive(kind)(text)


def test_shared_options_make_limits():
    parser = argparse.ArgumentParser()
    cli.add_timing_arguments(parser, unit="call", rounds_default=7)
    cli.add_limit_arguments(parser, memory_default_gb=2.0)
    cli.add_output_arguments(parser, default_name="x")
    args = parser.parse_args(["--time-limit-s", "5"])
    assert args.rounds == 7 and args.repeats == 10
    limits = cli.limits_of(args)
    assert limits.time_limit_s == 5 and limits.memory_limit_bytes == 2 * 2**30
    assert cli.limit_settings(limits) == {"time_limit_s": 5, "memory_limit_bytes": 2 * 2**30}


def test_nothing_in_the_library_zoo_or_training_imports_benchmarks():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    for package in ("keras_refined_sa", "zoo", "training"):
        for path in (root / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import benchmarks" not in text and "from benchmarks" not in text, path
