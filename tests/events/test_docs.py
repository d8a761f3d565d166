"""docs/categories.md documents every category of categories.yaml, in priority order."""

import re
from pathlib import Path

import yaml

from app.events.extraction import category_names

ROOT = Path(__file__).resolve().parents[2]


def test_every_category_is_documented_in_priority_order():
    text = (ROOT / "docs" / "categories.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| (?:\d+|–) \| `(\w+)` \|", text, flags=re.MULTILINE)
    assert documented == list(category_names())
    data = yaml.safe_load(
        (ROOT / "app" / "events" / "data" / "en" / "categories.yaml").read_text(encoding="utf-8")
    )
    for entry in data["categories"]:
        row = next(line for line in text.splitlines() if f"| `{entry['name']}` |" in line)
        assert f"| {entry['cameo']} |" in row, row
