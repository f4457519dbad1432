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


def _render_stub(written_files):
    def render(payload, output_dir, name):
        written_files.append((payload, output_dir, name))
        return f"# report of {name}"

    return render


def _output_args(argv):
    parser = argparse.ArgumentParser()
    cli.add_output_arguments(parser, default_name="x")
    return parser.parse_args(argv)


def test_measure_or_render_measures_then_writes_under_the_default_name(tmp_path, capsys):
    written_files = []
    payload = {"device_kind": "cpu", "records": [{"status": "OK"}]}
    code = cli.measure_or_render(
        _output_args(["--output-dir", str(tmp_path)]), [],
        measure=lambda args, argv: payload, render=_render_stub(written_files),
        default_name=lambda payload: f"stem_{payload['device_kind']}",
        written=lambda name: ".md",
    )  # fmt: skip
    assert code == 0 and written_files == [(payload, tmp_path, "stem_cpu")]
    assert f"Wrote {tmp_path / 'stem_cpu'}.json, .md." in capsys.readouterr().out


def test_measure_or_render_rerenders_json_without_measuring(tmp_path):
    stored = tmp_path / "old_run.json"
    stored.write_text('{"records": [{"status": "OOM", "error": "cap"}]}')
    written_files = []

    def measure(args, argv):
        raise AssertionError("--render must not measure")

    code = cli.measure_or_render(
        _output_args(["--render", str(stored), "--name", "ignored"]), [], measure=measure,
        render=_render_stub(written_files), default_name=lambda payload: "unused",
        written=lambda name: ".md",
    )  # fmt: skip
    # Every case of the stored run failed: the command says so with exit code 1.
    assert code == 1
    assert written_files == [({"records": [{"status": "OOM", "error": "cap"}]}, tmp_path, "old_run")]
