"""Writes benchmark results: JSON for machines, markdown for people."""

import json
from pathlib import Path


def write_json(path, payload):
    """Writes `payload` as indented JSON, creating the folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return path


def read_json(path):
    """Reads what `write_json` wrote."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_text(path, text):
    """Writes `text`, creating the folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_report(output_dir, name, payload, markdown):
    """Writes a run's `name.json` (its payload) and `name.md` under `output_dir`; returns the
    markdown."""
    write_json(Path(output_dir) / f"{name}.json", payload)
    write_text(Path(output_dir) / f"{name}.md", markdown)
    return markdown
