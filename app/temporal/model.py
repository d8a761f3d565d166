"""The values the temporal engine hands out: one resolved temporal expression per span.

This module is the engine's public contract: the service layer, the API and the benchmarks read
these fields and nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

TIMEX_TYPES = ("DATE", "TIME", "DURATION", "SET")

GRANULARITIES = (
    "time",
    "part_of_day",
    "day",
    "week",
    "month",
    "quarter",
    "season",
    "year",
    "decade",
    "century",
    "range",
)


@dataclass(frozen=True, slots=True)
class TemporalExpression:
    """A temporal expression found in a text and resolved against a reference time.

    `start`/`end` are code-point offsets into the text (`end` exclusive). `type`/`value` follow
    TimeML TIMEX3. `date_start`/`date_end` are the inclusive calendar interval the expression
    denotes in the caller's time zone; both are None when it denotes no calendar interval (a bare
    duration, a set, a vague reference). `rule` names the rule that produced the value, so a user
    can see why.
    """

    text: str
    start: int
    end: int
    type: str
    value: str
    date_start: date | None
    date_end: date | None
    granularity: str | None
    mod: str | None
    confidence: float
    rule: str

    @property
    def is_dated(self) -> bool:
        """True when the expression pins a calendar interval an event can be placed on."""
        return self.date_start is not None and self.date_end is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("date_start", "date_end"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data
