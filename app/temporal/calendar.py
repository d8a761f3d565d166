"""Calendar arithmetic for TIMEX3 values, driven by one table keyed by unit.

Every calendar unit (day, week, month, quarter, season, year, decade, century) is a `CalendarUnit`
row: how to find the period containing a day, how to move a period by n, how to name it as a
TIMEX3 value and which duration designator it uses. Resolution code never branches on the unit;
it looks the unit up here. Clock units (hour, minute, second) only exist as durations.

Conventions (documented because TIMEX3 leaves them open):
- weeks are ISO weeks (Monday..Sunday), named `2025-W11`;
- seasons are meteorological, northern hemisphere: SP = Mar-May, SU = Jun-Aug, FA = Sep-Nov,
  WI = Dec-Feb; a winter is named after the year of its December (`2024-WI` = Dec 2024-Feb 2025);
- a decade is named `199X` and a century `19` (the 1900s), as TimeML does;
- a half year is named `1989-H1` (January-June) or `1989-H2` (July-December); it has no unit row
  (nothing counts or moves in halves), only a literal form whose granularity is `range`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from app.temporal.model import GRANULARITIES

SEASON_START_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
_SEASON_BY_START_MONTH = {month: code for code, month in SEASON_START_MONTH.items()}
PARTS_OF_DAY = ("MO", "MI", "AF", "EV", "NI", "DT")

MIN_YEAR, MAX_YEAR = 1, 9998  # keep a margin so that shifting by one period stays in range


def add_months(day: date, months: int) -> date:
    """Shift a first-of-month date by whole months (callers only pass period starts)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _floor_week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _floor_season(day: date) -> date:
    months_into_season = (day.month - 3) % 3
    start = add_months(day.replace(day=1), -months_into_season)
    return start


def _season_label(start: date) -> str:
    return f"{start.year:04d}-{_SEASON_BY_START_MONTH[start.month]}"


def _week_label(start: date) -> str:
    iso_year, iso_week, _ = start.isocalendar()
    return f"{iso_year:04d}-W{iso_week:02d}"


@dataclass(frozen=True, slots=True)
class CalendarUnit:
    """One calendar unit: how periods of this size are found, moved and named."""

    name: str
    floor: Callable[[date], date]  # first day of the period that contains the day
    shift: Callable[[date, int], date]  # a period start moved by n periods
    label: Callable[[date], str]  # the TIMEX3 value of the period starting at that day
    duration_designator: str  # what follows the number in a TIMEX3 duration (P3D, P2W, P1DE)
    days: int = 0  # the unit's length when it is a fixed number of days
    months: int = 0  # the unit's length when it is a number of months


CALENDAR_UNITS: dict[str, CalendarUnit] = {
    unit.name: unit
    for unit in (
        CalendarUnit(
            "day", lambda d: d, lambda d, n: d + timedelta(days=n), date.isoformat, "D", days=1
        ),
        CalendarUnit(
            "week", _floor_week, lambda d, n: d + timedelta(weeks=n), _week_label, "W", days=7
        ),
        CalendarUnit(
            "month",
            lambda d: d.replace(day=1),
            add_months,
            lambda d: f"{d.year:04d}-{d.month:02d}",
            "M",
            months=1,
        ),
        CalendarUnit(
            "quarter",
            lambda d: date(d.year, (d.month - 1) // 3 * 3 + 1, 1),
            lambda d, n: add_months(d, 3 * n),
            lambda d: f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}",
            "Q",
            months=3,
        ),
        CalendarUnit(
            "season",
            _floor_season,
            lambda d, n: add_months(d, 3 * n),
            _season_label,
            "SE",
            months=3,
        ),
        CalendarUnit(
            "year",
            lambda d: date(d.year, 1, 1),
            lambda d, n: date(d.year + n, 1, 1),
            lambda d: f"{d.year:04d}",
            "Y",
            months=12,
        ),
        CalendarUnit(
            "decade",
            lambda d: date(max(d.year // 10 * 10, MIN_YEAR), 1, 1),
            lambda d, n: date(d.year + 10 * n, 1, 1),
            lambda d: f"{d.year // 10:03d}X",
            "DE",
            months=120,
        ),
        CalendarUnit(
            "century",
            lambda d: date(max(d.year // 100 * 100, MIN_YEAR), 1, 1),
            lambda d, n: date(d.year + 100 * n, 1, 1),
            lambda d: f"{d.year // 100:02d}",
            "CE",
            months=1200,
        ),
    )
}


def easter_sunday(year: int, orthodox: bool = False) -> date:
    """Easter Sunday of `year` as a Gregorian date: the Western (Gregorian computus) or the
    Orthodox one (Julian computus, its Julian date moved onto the Gregorian calendar).

    Written out here rather than taken from `dateutil.easter`: python-dateutil reaches this
    project only through dateparser, which only the benchmark uses, and the engine must not
    break the day that dependency goes.
    """
    if orthodox:
        # Meeus's Julian algorithm.
        a, b, c = year % 4, year % 7, year % 19
        d = (19 * c + 15) % 30
        e = (2 * a + 4 * b - d + 34) % 7
        month, day = divmod(d + e + 114, 31)
        # Julian to Gregorian: the gap grows by a day in each century year that is not a
        # Gregorian leap year (13 days from March 1900 to February 2100).
        gap = year // 100 - year // 400 - 2
        return date(year, month, day + 1) + timedelta(days=gap)
    # The anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def move_day(day: date, unit_name: str, count: int) -> date:
    """`day` moved by `count` whole units, keeping the day of month where the month allows."""
    unit = CALENDAR_UNITS[unit_name]
    if unit.days:
        return day + timedelta(days=unit.days * count)
    first = add_months(day.replace(day=1), unit.months * count)
    following = add_months(first, 1)
    return first.replace(day=min(day.day, (following - timedelta(days=1)).day))


# From finest to coarsest: an anchor can only count in units at least as coarse as itself.
# A range has no single unit, so it has no rank.
GRANULARITY_ORDER = tuple(name for name in GRANULARITIES if name != "range")
GRANULARITY_RANK = {name: rank for rank, name in enumerate(GRANULARITY_ORDER)}
# The granularities that name one day: what a day-relative phrase ("the next day") can count from.
DAY_OR_FINER = frozenset(("day", "part_of_day", "time"))


# Units that only measure (durations), with the designator that goes after the "T".
CLOCK_DURATION_DESIGNATORS = {"hour": "H", "minute": "M", "second": "S"}

# How a fraction of one unit is better said in a smaller unit ("half a year" -> P6M).
SMALLER_UNIT = {
    "century": ("year", 100),
    "decade": ("year", 10),
    "year": ("month", 12),
    "quarter": ("month", 3),
    "month": ("day", 30),
    "week": ("day", 7),
    "day": ("hour", 24),
    "hour": ("minute", 60),
    "minute": ("second", 60),
}


@dataclass(frozen=True, slots=True)
class Period:
    """A named calendar period: TIMEX3 value plus its inclusive first and last day."""

    value: str
    first_day: date
    last_day: date
    granularity: str


def period_containing(day: date, unit_name: str, offset: int = 0) -> Period:
    """The period of `unit_name` that contains `day`, moved by `offset` periods."""
    unit = CALENDAR_UNITS[unit_name]
    start = unit.shift(unit.floor(day), offset)
    end = unit.shift(start, 1) - timedelta(days=1)
    return Period(unit.label(start), start, end, unit_name)


# TimeML writes decades and centuries as years: "two decades" is P20Y, "centuries" PXY.
DURATION_IN_YEARS = {"decade": 10, "century": 100}


def format_duration(amount: str, unit_name: str) -> str:
    """TIMEX3 duration value for `amount` (digits, a decimal or "X") of `unit_name`."""
    if unit_name in DURATION_IN_YEARS:
        if amount == "X":
            return "PXY"
        years = float(amount) * DURATION_IN_YEARS[unit_name]
        return f"P{int(years) if years.is_integer() else years}Y"
    if unit_name in CLOCK_DURATION_DESIGNATORS:
        return f"PT{amount}{CLOCK_DURATION_DESIGNATORS[unit_name]}"
    return f"P{amount}{CALENDAR_UNITS[unit_name].duration_designator}"


_PART_OF_DAY_OR_CLOCK = r"(?:T(?:MO|MI|AF|EV|NI|DT|\d\d:\d\d(?::\d\d)?))"


def _day_period(match: re.Match[str]) -> Period:
    day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    suffix = match["t"] or ""
    if not suffix:
        return Period(day.isoformat(), day, day, "day")
    granularity = "time" if ":" in suffix else "part_of_day"
    return Period(day.isoformat() + suffix, day, day, granularity)


def _named_period(unit_name: str, start: Callable[[re.Match[str]], date]):
    def build(match: re.Match[str]) -> Period:
        period = period_containing(start(match), unit_name)
        if period.value != match.group(0):
            raise ValueError(f"not a canonical {unit_name} value: {match.group(0)}")
        return period

    return build


def _iso_week_start(match: re.Match[str]) -> date:
    return date.fromisocalendar(int(match["y"]), int(match["w"]), 1)


def weekend_of(day: date) -> Period:
    """The weekend (Saturday and Sunday) of the ISO week that contains `day`: `2025-W10-WE`."""
    saturday = _floor_week(day) + timedelta(days=5)
    return Period(f"{_week_label(saturday)}-WE", saturday, saturday + timedelta(days=1), "day")


def _weekend_period(match: re.Match[str]) -> Period:
    return weekend_of(_iso_week_start(match))


def _half_year_period(match: re.Match[str]) -> Period:
    """`1989-H2`: January-June or July-December; a span of two quarters, so "range"."""
    year, half = int(match["y"]), int(match["h"])
    first = date(year, 1 if half == 1 else 7, 1)
    last = date(year, 6, 30) if half == 1 else date(year, 12, 31)
    return Period(match.group(0), first, last, "range")


_LITERAL_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Period]], ...] = (
    (
        re.compile(rf"(?P<y>\d{{4}})-(?P<m>\d\d)-(?P<d>\d\d)(?P<t>{_PART_OF_DAY_OR_CLOCK})?"),
        _day_period,
    ),
    (
        re.compile(r"(?P<y>\d{4})-(?P<m>\d\d)"),
        _named_period("month", lambda m: date(int(m["y"]), int(m["m"]), 1)),
    ),
    (
        re.compile(r"(?P<y>\d{4})-Q(?P<q>[1-4])"),
        _named_period("quarter", lambda m: date(int(m["y"]), int(m["q"]) * 3 - 2, 1)),
    ),
    (
        re.compile(r"(?P<y>\d{4})-(?P<s>SP|SU|FA|WI)"),
        _named_period("season", lambda m: date(int(m["y"]), SEASON_START_MONTH[m["s"]], 1)),
    ),
    (re.compile(r"(?P<y>\d{4})-H(?P<h>[12])"), _half_year_period),
    (re.compile(r"(?P<y>\d{4})-W(?P<w>\d\d)"), _named_period("week", _iso_week_start)),
    (re.compile(r"(?P<y>\d{4})-W(?P<w>\d\d)-WE"), _weekend_period),
    (re.compile(r"(?P<y>\d{4})"), _named_period("year", lambda m: date(int(m["y"]), 1, 1))),
    (
        re.compile(r"(?P<c>\d{3})X"),
        _named_period("decade", lambda m: date(max(int(m["c"]) * 10, MIN_YEAR), 1, 1)),
    ),
    (
        re.compile(r"(?P<c>\d{2})"),
        _named_period("century", lambda m: date(max(int(m["c"]) * 100, MIN_YEAR), 1, 1)),
    ),
)


def period_of_value(value: str) -> Period | None:
    """The calendar period a fully specified TIMEX3 date value names, or None.

    None for everything that is not a calendar period: durations, sets, PAST_REF, values with
    X placeholders, impossible dates.
    """
    for pattern, build in _LITERAL_FORMS:
        match = pattern.fullmatch(value)
        if match:
            try:
                period = build(match)
            except ValueError:
                return None
            if not MIN_YEAR <= period.first_day.year <= MAX_YEAR:
                return None
            return period
    return None
