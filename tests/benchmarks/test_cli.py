import argparse

import pytest

from benchmarks import cli
from benchmarks.command import Command, run_command


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


def _command(written_files, measure):
    def render(payload, output_dir, name):
        written_files.append((payload, output_dir, name))
        return f"# report of {name}"

    return Command(
        "python -m stub", "Stub.\n\nMeasures nothing.\n\nExamples:\n\n    stub\n",
        add_arguments=lambda parser: parser.add_argument("--size", type=int, default=3),
        settings=lambda args: {"size": args.size}, measure=measure, render=render,
        stem="stub", memory_default_gb=1.0,
    )  # fmt: skip


def test_run_command_measures_then_writes_under_the_default_name(tmp_path, capsys):
    written_files = []

    def measure(args, settings, run):
        settings["seen"] = True
        return [{"status": "OK", "device_kind": "cpu", "device_name": "x"}], {"extra": [1]}

    code = run_command(
        _command(written_files, measure), ["--output-dir", str(tmp_path), "--size", "5"]
    )
    assert code == 0
    ((payload, output_dir, name),) = written_files
    backend = payload["environment"]["keras_backend"]
    assert output_dir == tmp_path and name == f"stub_cpu_{backend}"
    # The command's settings, then the limits, then what measure added.
    assert list(payload["settings"]) == ["size", "time_limit_s", "memory_limit_bytes", "seen"]
    assert payload["settings"]["size"] == 5 and payload["settings"]["memory_limit_bytes"] == 2**30
    assert payload["extra"] == [1] and payload["environment"]["command"].endswith("--size 5")
    assert f"Wrote {tmp_path / name}.json, .md." in capsys.readouterr().out


def test_run_command_rerenders_json_without_measuring(tmp_path, capsys):
    stored = tmp_path / "old_run.json"
    stored.write_text('{"records": [{"status": "OOM", "error": "cap"}]}')
    written_files = []

    def measure(args, settings, run):
        raise AssertionError("--render must not measure")

    code = run_command(
        _command(written_files, measure), ["--render", str(stored), "--name", "ignored"]
    )
    # Every case of the stored run failed: the command says so with exit code 1.
    assert code == 1 and "every case failed (1)" in capsys.readouterr().err
    assert written_files == [({"records": [{"status": "OOM", "error": "cap"}]}, tmp_path, "old_run")]
