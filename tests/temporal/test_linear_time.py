"""No rule may backtrack catastrophically: 1 MB of adversarial text resolves in linear time."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from app.temporal import resolve

REFERENCE = datetime(2025, 3, 12, 20, 0, tzinfo=UTC)
SIZE = 1_000_000
# Each piece is repeated to SIZE // len(ADVERSARIAL); together about 1 MB.
ADVERSARIAL = {
    "digit run": "7" * 100_000,
    "repeated month names": "March May June ",
    "the the the": "the ",
    "parentheses": "(" * 100_000 + ")" * 100_000,
}
BUDGET_SECONDS = 5.0  # about 1 s here; the budget leaves room for slow CI machines


def _adversarial_text() -> str:
    share = SIZE // len(ADVERSARIAL)
    return "".join((piece * (share // len(piece) + 1))[:share] for piece in ADVERSARIAL.values())


def test_one_megabyte_of_adversarial_text_is_fast() -> None:
    text = _adversarial_text()
    assert len(text) >= SIZE - len(ADVERSARIAL)
    started = time.perf_counter()
    resolve(text, REFERENCE)
    assert time.perf_counter() - started < BUDGET_SECONDS


def test_time_grows_linearly_with_the_text() -> None:
    piece = "March 1, 2024 and 1,300 the the (( 7777777 "
    timings = []
    for repeats in (2_000, 8_000):
        started = time.perf_counter()
        resolve(piece * repeats, REFERENCE)
        timings.append(time.perf_counter() - started)
    # Four times the text may take at most ~8 times as long (noise), never 16 (quadratic).
    assert timings[1] < 8 * timings[0] + 0.2
