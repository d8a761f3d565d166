"""Helpers shared by the benchmark scripts: machine description, Markdown tables, formatting.

Every benchmark prints a Markdown block meant to be pasted into BENCHMARKS.md. The figures are
only comparable with the command line and the machine next to them, so both helpers live here
rather than being rebuilt by each script.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shlex
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def ensure_repo_on_path() -> None:
    """Make `import app` / `import benchmarks` work when a script is run by its file path.

    `python benchmarks/x.py` puts `benchmarks/` (not the repo root) first on sys.path; the editable
    install usually adds the root too, but a benchmark must not depend on how the venv was built.
    """
    root = str(REPO_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)


def machine_description() -> dict[str, str | int | None]:
    """What the timing figures depend on; printed under every table."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count(),
        # The affinity mask is what the process may actually use inside a container or cgroup.
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def _cpu_model() -> str | None:
    # platform.processor() is empty on most Linux builds; /proc/cpuinfo has the real model name.
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command as a user would retype it from the repo root."""
    argv = list(sys.argv if argv is None else argv)
    if argv:
        script = Path(argv[0])
        # Outside the repo the path is left as given rather than made relative.
        with contextlib.suppress(ValueError):
            argv[0] = str(script.resolve().relative_to(REPO_ROOT))
    return ".venv/bin/python " + shlex.join(argv)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; numbers are right-aligned, text left-aligned."""
    rows = [[_cell(value) for value in row] for row in rows]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, the header has {len(headers)}: {row}")
    numeric = [
        bool(rows) and all(_looks_numeric(row[i]) or row[i] in ("", "–") for row in rows)
        for i in range(len(headers))
    ]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if is_num else "---" for is_num in numeric) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    # A pipe would end the cell early.
    return str(value).replace("|", "\\|")


def _looks_numeric(cell: str) -> bool:
    stripped = cell.replace(",", "").replace("×", "").replace("%", "").strip()
    try:
        float(stripped)
    except ValueError:
        return False
    return True


def pct(value: float | None, digits: int = 1) -> str | None:
    """A 0..1 ratio as a percentage without the sign, as the README tables print it."""
    return None if value is None else f"{100 * value:.{digits}f}"


def thousands(value: float | None) -> str | None:
    return None if value is None else f"{value:,.0f}"


def machine_markdown(machine: dict[str, str | int | None]) -> str:
    return (
        f"Machine: {machine['processor'] or machine['machine']}, "
        f"{machine['cpu_count']} CPUs ({machine['usable_cpus']} usable), "
        f"{machine['implementation']} {machine['python']} on {machine['platform']}."
    )
