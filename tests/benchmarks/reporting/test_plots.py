import pathlib
import subprocess
import sys

from benchmarks.reporting.plots import plot_against_positions

_PNG = b"\x89PNG\r\n\x1a\n"


def test_a_plot_is_written_without_pyplot(tmp_path):
    records = [
        {"form": form, "positions": n, "batch_size": 2, "channels": 64, "status": status,
         "time_median_s": value}
        for form, n, status, value in [
            ("refined", 256, "OK", 0.001), ("refined", 1024, "OK", 0.002),
            ("softmax", 256, "OK", 0.002), ("softmax", 1024, "OOM", None),
        ]
    ]  # fmt: skip
    path = plot_against_positions(
        records, tmp_path / "sub" / "time.png", value_key="time_median_s", ylabel="s", title="t"
    )
    assert path.read_bytes()[:8] == _PNG


def test_plots_import_no_pyplot_and_choose_no_backend():
    code = (
        "import sys; import benchmarks.reporting.plots; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-2000:]
    # Keras itself may import pyplot; the benchmarks never touch its global state.
    root = pathlib.Path(__file__).resolve().parents[3] / "benchmarks"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("from matplotlib import pyplot", "matplotlib.pyplot", "matplotlib.use("):
            assert forbidden not in text, (path, forbidden)
