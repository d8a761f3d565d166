"""The temporal engine: finds dates and times in news text and resolves them (a pure library).

Public API: `resolve(text, reference_time, timezone="UTC", language="en")` returns the
`TemporalExpression`s of the text; `UnknownTimezoneError` is raised for an unknown zone.
Rules are data: `rules/<language>/*.yaml`.
"""

from app.temporal.engine import resolve
from app.temporal.errors import UnknownTimezoneError
from app.temporal.model import TemporalExpression

__all__ = ["TemporalExpression", "UnknownTimezoneError", "resolve"]
