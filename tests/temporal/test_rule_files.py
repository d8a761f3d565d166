"""The rule files are read strictly: a mistake in them fails at load, not in a wrong date."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.temporal.rulebook import RulebookError, _read_yaml


def test_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    # Two tables of one name: YAML would keep the second and the rules reading the first would
    # silently get its values.
    source = tmp_path / "normalization.yaml"
    source.write_text(
        "narrative_direction:\n  later: '+'\nnarrative_direction:\n  after: NEXT\n",
        encoding="utf-8",
    )
    with pytest.raises(RulebookError, match="'narrative_direction' is written twice"):
        _read_yaml(source)


def test_a_key_written_twice_inside_a_table_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "normalization.yaml"
    source.write_text("month:\n  may: '05'\n  may: '06'\n", encoding="utf-8")
    with pytest.raises(RulebookError, match="'may' is written twice"):
        _read_yaml(source)


def test_the_english_rule_files_load(tmp_path: Path) -> None:
    from app.temporal.rulebook import RULES_ROOT

    for path in sorted((RULES_ROOT / "en").glob("*.yaml")):
        assert _read_yaml(path), path
