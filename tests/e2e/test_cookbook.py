"""The README's curl cookbook, run block by block with bash against a started server.

Each ```sh block of the "curl cookbook" section runs in order, after the first (setup) block, with
BASE and KEY in the environment; its output is checked by the expectation named after the block's
first comment line. A block without an expectation, or an expectation without a block, fails the
test: the README and this file must change together.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from tests.conftest import REPO_ROOT
from tests.live_server import LiveServer, live_server

pytestmark = pytest.mark.e2e

SECTION = "## curl cookbook"


def cookbook_blocks(readme: str) -> list[str]:
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    section = readme[start : end if end >= 0 else None]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def _title(block: str) -> str:
    first = block.strip().splitlines()[0]
    assert first.startswith("# "), f"a cookbook block must start with a comment: {block}"
    return first[2:]


def _run(block: str, setup: str, server: LiveServer, workdir: Path) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", setup + "\n" + block],
        cwd=workdir,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "BASE": server.base, "KEY": server.key},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{_title(block)}\n{result.stdout}\n{result.stderr}"
    assert result.stderr == "", result.stderr
    return result.stdout


def _events(server: LiveServer, **params: str) -> list[dict]:
    return httpx.get(f"{server.base}/v1/events", params={**params, "limit": 500}).json()["items"]


def check_ingest(output: str, server: LiveServer, workdir: Path) -> None:
    body, status = output.rstrip().rsplit("\n", 1)
    assert status == "HTTP 201"
    article = json.loads(body)
    assert article["events"][0]["date_start"] == "2025-03-11"


def check_week(output: str, server: LiveServer, workdir: Path) -> None:
    week = _events(server, **{"from": "2025-03-10", "to": "2025-03-16"})
    assert output.splitlines() == [f"{e['date_start']} {e['title']}" for e in week]
    assert any(line.startswith("2025-03-11 ") for line in output.splitlines())


def check_downloads(output: str, server: LiveServer, workdir: Path) -> None:
    week = _events(server, **{"from": "2025-03-10", "to": "2025-03-16"})
    rows = list(csv.DictReader(io.StringIO((workdir / "week.csv").read_text(), newline="")))
    assert {row["id"] for row in rows} == {event["id"] for event in week}
    calendar = Calendar.from_ical((workdir / "week.ics").read_bytes())
    assert len(calendar.walk("VEVENT")) == len(week)
    lines = output.splitlines()
    assert lines[0].startswith("id,title,date_start,date_end")
    assert lines[-1] == str(len(week))


def check_poll(output: str, server: LiveServer, workdir: Path) -> None:
    assert output.strip() == "304"


def check_resolve(output: str, server: LiveServer, workdir: Path) -> None:
    expressions = json.loads(output)["expressions"]
    assert expressions and "five days" in expressions[0]["text"]
    assert expressions[0]["date_end"] == "2025-03-12"


def check_paging(output: str, server: LiveServer, workdir: Path) -> None:
    everything = _events(server)
    assert len(everything) > 4, "the cookbook must page at least twice"
    assert output.splitlines() == [f"{e['date_start']} {e['id']}" for e in everything]


def check_ndjson(output: str, server: LiveServer, workdir: Path) -> None:
    assert int(output.strip()) == len(_events(server))


EXPECTATIONS: dict[str, Callable[[str, LiveServer, Path], None]] = {
    "Ingest an article": check_ingest,
    "List a week": check_week,
    "Download that week": check_downloads,
    "Poll cheaply": check_poll,
    "Resolve a phrase": check_resolve,
    "Page through every event": check_paging,
    "Everything as NDJSON": check_ndjson,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("cookbook")) as running:
        yield running


def test_the_readme_cookbook_runs_as_written(server, tmp_path):
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the README's cookbook")
    setup, *blocks = cookbook_blocks((REPO_ROOT / "README.md").read_text())
    assert "BASE=" in setup and "KEY=" in setup
    checked = []
    for block in blocks:
        title = _title(block)
        matching = [name for name in EXPECTATIONS if title.startswith(name)]
        assert len(matching) == 1, f"no expectation for the cookbook block {title!r}"
        output = _run(block, setup, server, tmp_path)
        EXPECTATIONS[matching[0]](output, server, tmp_path)
        checked.append(matching[0])
    assert checked == list(EXPECTATIONS), "the README's cookbook and its expectations differ"


def test_cookbook_blocks_are_found():
    blocks = cookbook_blocks((REPO_ROOT / "README.md").read_text())
    assert len(blocks) == len(EXPECTATIONS) + 1
