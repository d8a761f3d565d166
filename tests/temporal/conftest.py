"""Shared helpers for the temporal engine tests: the corpus files and a reference time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

CORPUS_DIR = Path(__file__).parent / "corpus"
NEGATIVE_CORPUS = CORPUS_DIR / "negative.yaml"


def load_corpus_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def positive_corpus_files() -> list[Path]:
    return sorted(path for path in CORPUS_DIR.glob("*.yaml") if path != NEGATIVE_CORPUS)


def corpus_examples() -> list[tuple[str, dict[str, Any], datetime, str]]:
    """(id, example, reference time, zone) for every example of the positive corpus."""
    cases = []
    for path in positive_corpus_files():
        data = load_corpus_file(path)
        for index, example in enumerate(data["examples"]):
            # An example may override the file's reference time and zone.
            reference = datetime.fromisoformat(
                example.get("reference_time", data["reference_time"])
            )
            zone = example.get("timezone", data["timezone"])
            cases.append((f"{path.stem}[{index}]", example, reference, zone))
    return cases
