"""docs/results.md is what `--report-only` makes from the committed summaries alone."""

import glob
import os
import shutil

from training import compare
from training.study import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
STUDY = os.path.join("studies", "results.json")
REPORT = os.path.join("docs", "results.md")


def test_the_committed_page_is_rebuilt_from_the_summaries_alone(tmp_path, monkeypatch):
    summaries = glob.glob(os.path.join(ROOT, "studies", "results", "**", "summary.json"),
                          recursive=True)
    assert len(summaries) == 57, "the study's 57 cells each commit a summary.json"
    for path in [*summaries, os.path.join(ROOT, STUDY), os.path.join(ROOT, REPORT)]:
        copy = tmp_path / os.path.relpath(path, ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)

    def no_event_files(logdir):
        raise AssertionError(f"the report read the event files of {logdir}")

    monkeypatch.setattr(compare, "read_scalars", no_event_files)
    monkeypatch.chdir(tmp_path)
    assert main([STUDY, "--report-only"]) == 0
    rebuilt = (tmp_path / REPORT).read_text()
    with open(os.path.join(ROOT, REPORT)) as file:
        committed = file.read()
    assert rebuilt == committed, (
        "docs/results.md differs from what `python -m training.study studies/results.json "
        "--report-only` writes: rebuild it with that command (only the reading is kept)"
    )
    for task in ("reconstruction", "inpainting", "high_resolution", "generation", "conversion"):
        assert os.path.getsize(tmp_path / "docs" / "results" / f"{task}_gamma.png")

