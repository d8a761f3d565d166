"""Turns an underspecified value into a TIMEX3 value and a calendar interval.

Rules emit *underspecified* values; this module owns their grammar and nothing else:

    literal    2025-03-11  2025-Q1  199X  P1D  XXXX-WXX-2  PAST_REF   a TIMEX3 value as it is
    relative   REF-1day  REF+0month  NARR+1week  REF+0dayTEV          <anchor><±n><unit>[T<suffix>]
               REF is the reference day; NARR is the narrative anchor (the last dated expression
               before this one in the text, the reference day when there is none); DAY is the
               narrative anchor when it is one day ("at 10 p.m." after "on Friday"), else REF;
               REPORT is the day the sentence says its report was made ("drones struck
               overnight, the air force said on Sunday"), else REF; STAMP is REF for a live
               blog's time stamp, the day before when the stamp is later than the moment of
               writing
    cyclic     TENSE:XXXX-08  PREV:XXXX-WXX-5  NEXT:XXXX-SU  THIS:XXXX-Q1  TENSE:XXXX-WXX-3TNI
               TENSE:XXXX-XX-11 (the 11th of some month)  TENSE:XXXX-11-W4-4 (the fourth
               Thursday of November; "-L" the last, "@02" counted from the 2nd)
               TENSE:XXXX-PASCHA-2 (Good Friday: Easter Sunday moved by days; "OPASCHA" the
               Orthodox Easter; "-WEEK" / "-WEEKEND" the ISO week / weekend holding that day;
               "-Y2022" that of the year 2022 only)
               TENSE:XXXX-HIJRI-09 (Ramadan: a whole month of the Islamic calendar)
               TENSE:XXXX-HIJRI-10-01 (Eid al-Fitr: the 1st of its 10th month, Shawwal)
               TENSE:XXXX-HEBREW-07-10 (Yom Kippur: 10 Tishrei; Hebrew months counted from
               Nisan, "12" the Adar of Purim) TENSE:XXXX-HEBREW-01-15+6 (Passover: 15 Nisan and
               the 6 days after it) TENSE:XXXX-HEBREW-02-05-IL (Israel's Independence Day: 5 Iyar
               moved off the days Israeli law moves it from; see lunar.py); "-Y2024" as above,
               the occurrence that begins in 2024. One day resolves to that day; several days to
               their first..last day as a "range", named by the month holding them, else by
               the year of their first day (lunar.feast_period)
               a year/week-less value; the direction picks the occurrence: PREV = the latest one
               that ended before the reference day, NEXT = the first that starts after it,
               THIS = the one containing it (else the nearest), TENSE = decided by the sentence
    duration   DUR:5day  DUR:Xyear  DUR:0.5year                       <amount><unit>
    focus      FOCUS-1year|REF-1year   FOCUS+0year|REF-1quarter   FOCUS@1988|1988
               the *reporting period* (the last quarter the text named: "third-quarter profit
               rose ... from a year earlier") moved by whole units, or into a named year ("the
               1988 period"), keeping its granularity; the value after "|" when the text has
               named no quarter yet
    shifted    AT-1day:PREV:XXXX-WXX-2   AT+0week:TENSE:XXXX-03-06
               the period of a unit that holds the inner value's day (its first day, its last
               when moving forward), moved by whole units: "the day before last Tuesday", "the
               week of March 6"; the unit's unknown value when the inner one has no day
    edge       FIRSTDAY:2024  LASTDAY:TENSE:XXXX-03  LASTDAY:REF+1month   the first or last day
               of the inner value's period ("the last day of 2024", "the final day of next
               month"); no date when the inner one has no days
    known      KNOWN:2023-10-07   a day that news names by its date alone ("the Oct. 7 attack"):
               that day once it has passed, else the month and day resolved by the tense
               ANNIV+2:2023-10-07   that day so many years on ("the second anniversary of the
               Oct. 7 attack"); no date when the text was written before the event
    anchored   NARR:XXXX-03-05   a year-less day in the narrative anchor's year ("March 3 to 5":
               the 5 of the year "March 3" was resolved to); TENSE-resolved without an anchor
               NARR:XXXX-SU  NARR:XXXX-11   a season or a month in the year of the narrative
               anchor, when that lies within one year ("In 2023 ... That summer", "November of
               that year")
               NARR:XXXX-XX-19   a month-less day in the narrative anchor's month, when the
               text has moved to a month other than the reference one ("In January, the truce
               began on the 19th"); TENSE-resolved otherwise
               STORY:XXXX-06  STORY:XXXX-12-08  STORY:XXXX-12-07TEV   a month or a day in
               the past year of the story told just before it (same paragraph, no earlier
               month, not told as to come; a day needs a day or a quarter to go on from: "began
               on Nov. 27, 2024 ... entered Damascus on Dec. 8"); TENSE-resolved otherwise
               NARRPREV:XXXX-WXX-5  NARRNEXT:XXXX-WXX-1   the weekday before / after the
               narrative anchor's day ("the previous Friday", "the following Monday"); PREV / NEXT
               from the reference day when the anchor is no day; NARRNEXT:XXXX-02 the month
               after the anchor's month or day ("September 2014 and the following February")
               NARRWEEK:XXXX-WXX-3   that weekday of the narrative anchor's week ("Wednesday of
               that week"); no date when the anchor is no day or week

and of the rule's calendar mode, which says how the interval relates to the reference day:
`period` (the named period), `up_to_reference` (that period, cut at the reference day:
"earlier this month"), `since_to_reference` ("since August": from the period's first day to the
reference day), `trailing`/`leading` (a duration counted back/forward from the reference day,
reference day included: "the last five days"), `landing` (the single day a count of units away
from the anchor: "a week from now"; a duration gets it only in a future sentence: "in three
days"), `none` (no interval).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import regex

from app.temporal.calendar import (
    CALENDAR_UNITS,
    CLOCK_DURATION_DESIGNATORS,
    DAY_OR_FINER,
    DURATION_IN_YEARS,
    GRANULARITY_RANK,
    MAX_YEAR,
    MIN_YEAR,
    SMALLER_UNIT,
    Period,
    add_months,
    easter_sunday,
    format_duration,
    move_day,
    period_containing,
    period_of_value,
    weekend_of,
)
from app.temporal.lunar import (
    ADAR,
    ADAR_II,
    feast_period,
    hebrew_day,
    hebrew_leap_year,
    hijri_day,
    hijri_month,
    hijri_year_near,
    israeli_independence_day,
    israeli_memorial_day,
    yom_hashoah,
)

_UNITS = "|".join([*CALENDAR_UNITS, *CLOCK_DURATION_DESIGNATORS])
_SUFFIX = r"(?P<suffix>T(?:MO|MI|AF|EV|NI|DT|\d\d:\d\d))?"
_RELATIVE = regex.compile(
    rf"(?P<anchor>REF|NARR|DAY|REPORT|STAMP)(?P<sign>[+-])(?P<count>\d+|X)(?P<unit>{_UNITS})"
    rf"(?P<within>-(?:\d\d(?:-\d\d)?|Q[1-4]|SP|SU|FA|WI))?{_SUFFIX}"
)
_CYCLIC = regex.compile(
    rf"(?P<direction>PREV|NEXT|THIS|TENSE|PAST):(?P<partial>XXXX-[^T]+){_SUFFIX}"
)
_FOCUS = regex.compile(
    r"FOCUS(?:(?P<sign>[+-])(?P<count>\d+)(?P<unit>year|quarter|month)|@(?P<year>\d{4}))"
    r"\|(?P<fallback>[^|]+)"
)
_KNOWN_DAY = regex.compile(r"KNOWN:(?P<year>\d{4})(?P<rest>-\d\d-\d\d)")
_ANNIVERSARY = regex.compile(r"ANNIV\+(?P<years>\d{1,3}|X):(?P<year>\d{4})(?P<rest>-\d\d-\d\d)")
_NARRATIVE_YEAR = regex.compile(
    r"NARR:XXXX(?P<rest>-\d\d-\d\d|-(?P<season>SP|SU|FA|WI)|-(?P<month>\d\d))"
)
_STORY_YEAR = regex.compile(r"STORY:XXXX(?P<rest>-(?P<month>\d\d)(?P<day>-\d\d(?:T[\w:]+)?)?)")
_NARRATIVE_MONTH = regex.compile(r"NARR:XXXX-XX-(?P<day>\d\d)")
_NARRATIVE_WEEKDAY = regex.compile(
    r"NARR(?:(?P<direction>PREV|NEXT):(?P<partial>XXXX-WXX-(?P<weekday>[1-7])|XXXX-(?P<month>\d\d))"
    rf"|(?P<direction>WEEK):(?P<partial>XXXX-WXX-(?P<weekday>[1-7]))){_SUFFIX}"
)
_SHIFTED = regex.compile(
    rf"AT(?P<sign>[+-])(?P<count>\d+)(?P<unit>{'|'.join(CALENDAR_UNITS)}):(?P<inner>.+)"
)
_EDGE_DAY = regex.compile(r"(?P<edge>FIRST|LAST)DAY:(?P<inner>.+)")
_DURATION = regex.compile(rf"DUR:(?P<amount>\d+(?:\.\d+)?|X)(?P<unit>{_UNITS})")
_WITHIN_ONE_YEAR = frozenset(("year", "quarter", "month", "week", *DAY_OR_FINER))
# What a month, or a day, named without a year in a past year's paragraph takes its year from
# (STORY:). Not a year: "awarded the temple to Cambodia in 1962. Five days of fighting in July"
# is this July. A day not from a month either: "the August 1988 cease-fire ... Iraq's invasion of
# Kuwait on Aug. 2" names a month as a thing's; a full date sets a story's days.
_STORY_MONTH_ANCHORS = frozenset(("quarter", "season", "month", *DAY_OR_FINER))
_STORY_DAY_ANCHORS = frozenset(("quarter", *DAY_OR_FINER))
# How far (days) a tense-chosen occurrence may lie before the nearest one is preferred.
_TENSE_REACH_DAYS = 180
# ... and how close that nearest one must be.
_NEAR_DAYS = 45
# How far (minutes) a live blog's stamp may run past the stored moment of writing.
_STAMP_LAG_MINUTES = 60
# A clock before this, after a night, is in the small hours of the next day.
_SMALL_HOURS_END = "05:00"
# What an unresolvable relative expression of each unit is called (no date is better than a
# wrong one).
_UNKNOWN_VALUE = {
    "day": "XXXX-XX-XX",
    "week": "XXXX-WXX",
    "month": "XXXX-XX",
    "quarter": "XXXX-QX",
    "season": "XXXX-XX",
    "year": "XXXX",
    "decade": "XXXX",
    "century": "XXXX",
}
_TIMEX_VALUE = regex.compile(
    r"""(?x)
    (?:\d{4}|XXXX)(?:-(?:\d\d|XX|W\d\d|WXX|Q[1-4X]|SP|SU|FA|WI|H[12]))?(?:-(?:\d\d|XX|[1-7]|WE))?
        (?:T(?:MO|MI|AF|EV|NI|DT|\d\d:\d\d(?::\d\d)?))?
    | \d{3}X | \d\d
    | P(?:\d+(?:\.\d+)?|X)(?:Q|DE|CE|SE)
    | P(?=[\dX])(?:(?:\d+(?:\.\d+)?|X)Y)?(?:(?:\d+|X)M)?(?:(?:\d+|X)W)?(?:(?:\d+|X)D)?
        (?:T(?=[\dX])(?:(?:\d+|X)H)?(?:(?:\d+|X)M)?(?:(?:\d+(?:\.\d+)?|X)S)?)?(?<=[YMWDHS])
    | PT(?=[\dX])(?:(?:\d+(?:\.\d+)?|X)H)?(?:(?:\d+(?:\.\d+)?|X)M)?
        (?:(?:\d+(?:\.\d+)?|X)S)?(?<=[HMS])
    | PAST_REF | PRESENT_REF | FUTURE_REF
    """
)


def is_wellformed_timex_value(value: str) -> bool:
    """True for the TIMEX3 value shapes this engine produces."""
    return _TIMEX_VALUE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Resolution:
    """A resolved value: TIMEX3 value plus the calendar interval (None when there is none)."""

    value: str
    first_day: date | None = None
    last_day: date | None = None
    granularity: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What resolution may look at besides the value: the anchors and the sentence's tense."""

    reference_day: date
    narrative_anchor: Period | None  # the last dated expression before this one, if any
    tense: str | None  # "past", "future" or None
    focus: Period | None = None  # the reporting period under discussion (a quarter), if any
    # The reference time's local "HH:MM"; None when it is a bare date (a midnight time stamp).
    reference_clock: str | None = None
    # The day the sentence says its report was made ("the air force said on Sunday"), if any.
    report_day: date | None = None


def _with_suffix(period: Period, suffix: str | None) -> Resolution:
    if not suffix:
        return Resolution(period.value, period.first_day, period.last_day, period.granularity)
    if period.granularity != "day":
        return Resolution(period.value, period.first_day, period.last_day, period.granularity)
    granularity = "time" if ":" in suffix else "part_of_day"
    return Resolution(period.value + suffix, period.first_day, period.last_day, granularity)


def _resolve_relative(
    match: regex.Match[str], context: Context, landing: bool = False
) -> Resolution:
    unit, count = match["unit"], match["count"]
    if unit not in CALENDAR_UNITS:
        return Resolution("PAST_REF" if match["sign"] == "-" else "FUTURE_REF")
    if count == "X":
        # "several days ago": a direction without a distance is only a vague reference. Counted
        # from a story's own date ("a few days later" after "on March 3") it is one only when
        # that date does not lie on the other side of the reference day; else no date is known.
        anchor = context.narrative_anchor
        if match["anchor"] != "REF" and anchor is not None:
            if match["sign"] == "-" and anchor.first_day > context.reference_day:
                return Resolution(_UNKNOWN_VALUE[unit])
            if match["sign"] == "+" and anchor.last_day < context.reference_day:
                return Resolution(_UNKNOWN_VALUE[unit])
        return Resolution("PAST_REF" if match["sign"] == "-" else "FUTURE_REF")
    anchor_day = context.reference_day
    anchor = context.narrative_anchor
    if match["anchor"] == "DAY" and anchor is not None and anchor.granularity in DAY_OR_FINER:
        anchor_day = anchor.first_day
        if _midnight_just_past(match["suffix"], anchor, context):
            anchor_day -= timedelta(days=1)
        elif _small_hours_after_night(match["suffix"], anchor):
            anchor_day += timedelta(days=1)
    elif match["anchor"] == "DAY" and count == "0":
        anchor_day += timedelta(days=_clock_day_shift(match["suffix"], context))
    elif match["anchor"] == "REPORT" and context.report_day is not None:
        anchor_day = context.report_day
    elif match["anchor"] == "STAMP" and count == "0":
        anchor_day += timedelta(days=_stamp_day_shift(match["suffix"], context))
    if match["anchor"] == "NARR" and context.narrative_anchor is not None:
        anchor = context.narrative_anchor
        if GRANULARITY_RANK[anchor.granularity] > GRANULARITY_RANK[unit]:
            # "the next day" after "in 2024": the anchor is too coarse to count days from.
            return Resolution(_UNKNOWN_VALUE[unit])
        anchor_day = anchor.first_day
    offset = int(count) * (-1 if match["sign"] == "-" else 1)
    if landing and match["anchor"] == "NARR" and context.narrative_anchor is not None:
        # "a week later" lands on a day only from a day: after "last week" it is a week.
        landing = context.narrative_anchor.granularity in DAY_OR_FINER
    try:
        if landing:
            day = move_day(anchor_day, unit, offset)
            period = Period(day.isoformat(), day, day, "day")
        else:
            period = period_containing(anchor_day, unit, offset)
    except (ValueError, OverflowError):
        return Resolution(_UNKNOWN_VALUE[unit])
    if match["within"]:
        # "June last year", "Feb. 9 this year": a part named inside the relative period.
        part = period_of_value(period.value + match["within"]) if unit == "year" else None
        if part is None:
            return Resolution(_UNKNOWN_VALUE[unit])
        period = part
    return _with_suffix(period, match["suffix"])


def _midnight_just_past(suffix: str | None, anchor: Period, context: Context) -> bool:
    """Whether "midnight" told after a time in the small hours is the one just past: "00:20 —
    ... a report the lab released at midnight" is the midnight that began the day, written
    T24:00 of the day before. A future sentence's midnight stays the coming one."""
    clock = anchor.value.partition("T")[2]
    return (
        suffix == "T24:00"
        and anchor.granularity == "time"
        and ":" in clock
        and clock < "12:00"
        and context.tense != "future"
    )


def _clock_of(suffix: str | None) -> str | None:
    """The "HH:MM" of a value's suffix ("T23:00"), None for a part of the day or none."""
    return suffix[1:] if suffix and ":" in suffix else None


def _small_hours_after_night(suffix: str | None, anchor: Period) -> bool:
    """Whether a clock in the small hours follows a night ("announced late Wednesday, shortly
    before 2 a.m. here", "Wednesday night ... at 1 a.m."): it is the next day's."""
    clock = _clock_of(suffix)
    return clock is not None and clock < _SMALL_HOURS_END and anchor.value.endswith("TNI")


def _stamp_day_shift(suffix: str | None, context: Context) -> int:
    """A live blog's time stamp is not later than the moment of writing: one well after it
    ("23:35" in a blog last updated at 00:25) is of the day before. Within the hour after it,
    the stamp is taken as the same day: a stored publication time may lag the last update."""
    clock = _clock_of(suffix)
    if clock is None or context.reference_clock is None:
        return 0
    return -1 if _well_after_writing(clock, context.reference_clock) else 0


def _well_after_writing(clock: str, clock_of_writing: str) -> bool:
    """Whether a clock is more than `_STAMP_LAG_MINUTES` after the moment of writing on its day:
    a stored publication time may lag the text it dates by that much."""
    return _minutes(clock) > _minutes(clock_of_writing) + _STAMP_LAG_MINUTES


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock_day_shift(suffix: str | None, context: Context) -> int:
    """A clock time of no named day is on the reference day, unless the tense puts it on the
    other side of the moment of writing: "drones struck at 11 p.m." written at 8 a.m. is last
    night, "he will speak at 7 a.m." written at 8 p.m. is tomorrow morning. A past clock within
    the hour after the moment of writing is still today's, as a stamp is (`_STAMP_LAG_MINUTES`):
    a stored publication time may lag the text it dates."""
    clock = _clock_of(suffix)
    if clock is None or context.reference_clock is None:
        return 0
    if context.tense == "past" and _well_after_writing(clock, context.reference_clock):
        return -1
    if context.tense == "future" and clock < context.reference_clock:
        return 1
    return 0


def _weekday_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    monday = reference_day - timedelta(days=reference_day.weekday())
    for weeks in range(-2, 3):
        day = monday + timedelta(weeks=weeks, days=int(partial["weekday"]) - 1)
        yield Period(day.isoformat(), day, day, "day")


def _weekend_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    for weeks in range(-2, 3):
        yield weekend_of(reference_day + timedelta(weeks=weeks))


def _monthly_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    first = reference_day.replace(day=1)
    for months in range(-2, 3):
        month_start = add_months(first, months)
        try:
            day = month_start.replace(day=int(partial["day"]))
        except ValueError:  # "the 31st" in a 30-day month
            continue
        yield Period(day.isoformat(), day, day, "day")


def _nth_weekday(year: int, month: int, weekday: int, nth: str, on_or_after: int) -> date:
    """The n-th (or last, "L") ISO weekday of a month, counted from day `on_or_after`."""
    if nth == "L":
        last = add_months(date(year, month, 1), 1) - timedelta(days=1)
        return last - timedelta(days=(last.isoweekday() - weekday) % 7)
    first = date(year, month, on_or_after)
    first += timedelta(days=(weekday - first.isoweekday()) % 7)
    return first + timedelta(weeks=int(nth) - 1)


def _floating_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    for year in range(reference_day.year - 2, reference_day.year + 3):
        day = _nth_weekday(
            year,
            int(partial["month"]),
            int(partial["weekday"]),
            partial["nth"],
            int(partial["after"] or 1),
        )
        yield Period(day.isoformat(), day, day, "day")


def _feast_years(partial: regex.Match[str], reference_day: date) -> range:
    """The Gregorian years whose feasts are listed: a few around the reference day, or the one
    the text names ("Easter 2022", "Ramadan 2024")."""
    if partial["year"]:
        return range(int(partial["year"]), int(partial["year"]) + 1)
    return range(reference_day.year - 2, reference_day.year + 3)


def _easter_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    offset = int(partial["offset"])
    for year in _feast_years(partial, reference_day):
        if not MIN_YEAR <= year <= MAX_YEAR:
            continue
        day = easter_sunday(year, orthodox=partial["orthodox"] is not None) + timedelta(offset)
        if partial["span"] == "-WEEK":
            yield period_containing(day, "week")
        elif partial["span"] == "-WEEKEND":
            yield weekend_of(day)
        else:
            yield Period(day.isoformat(), day, day, "day")


def _hijri_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    years = _feast_years(partial, reference_day)
    month = int(partial["month"])
    # A Gregorian year holds one or two occurrences of a Hijri date (the Hijri year is 354
    # days): list the Hijri years around those Gregorian ones, keep those that begin in them.
    for hijri_year in range(hijri_year_near(years[0]) - 1, hijri_year_near(years[-1]) + 2):
        if partial["day"]:
            first = last = hijri_day(hijri_year, month, int(partial["day"]))
        else:
            first, last = hijri_month(hijri_year, month) or (None, None)
        if first is not None and last is not None and first.year in years:
            yield feast_period(first, last)


# Israel's days that the law moves off certain weekdays, by their Hebrew date (month, day).
_ISRAELI_DAYS = {
    (1, 27): yom_hashoah,
    (2, 4): israeli_memorial_day,
    (2, 5): israeli_independence_day,
}


def _hebrew_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    years = _feast_years(partial, reference_day)
    month, day = int(partial["month"]), int(partial["day"])
    extra = int(partial["extra"] or 0)
    # The Hebrew year begins in September or October: Gregorian year g holds the Nisan..Elul of
    # Hebrew year g + 3760 and the Tishrei..Adar of g + 3761 (Tevet..Adar may be in g + 1).
    for hebrew_year in range(years[0] + 3759, years[-1] + 3762):
        if partial["israeli"]:
            moved = _ISRAELI_DAYS.get((month, day))
            first = None if moved is None else moved(hebrew_year)
        else:
            in_year = ADAR_II if month == ADAR and hebrew_leap_year(hebrew_year) else month
            first = hebrew_day(hebrew_year, in_year, day)
        if first is None or first.year not in years:
            continue
        try:
            last = first + timedelta(days=extra)
        except OverflowError:
            continue
        yield feast_period(first, last)


def _lunar_unknown(partial: regex.Match[str]) -> str:
    """What a feast is called when no occurrence is known (outside the calendars' range)."""
    if partial.groupdict().get("extra"):
        return "XXXX"
    return "XXXX-XX-XX" if partial["day"] else "XXXX-XX"


def _yearly_candidates(partial: regex.Match[str], reference_day: date) -> Iterator[Period]:
    for year in range(reference_day.year - 2, reference_day.year + 3):
        period = period_of_value(f"{year:04d}{partial['rest']}")
        if period is not None:
            yield period


# Each kind of year- or week-less value: how to list its occurrences around the reference day,
# and which occurrence to take when the sentence has no tense ("nearest", or "past": a bare
# weekday in news is far more often the last one than the next one).
_CYCLIC_KINDS: tuple[tuple[regex.Pattern[str], Callable, str], ...] = (
    (regex.compile(r"XXXX-WXX-(?P<weekday>[1-7])"), _weekday_candidates, "past"),
    (regex.compile(r"XXXX-WXX-WE"), _weekend_candidates, "past"),
    (regex.compile(r"XXXX-XX-(?P<day>\d\d)"), _monthly_candidates, "nearest"),
    (
        regex.compile(
            r"XXXX-(?P<month>\d\d)-W(?P<weekday>[1-7])-(?P<nth>[1-5L])(?:@(?P<after>\d\d))?"
        ),
        _floating_candidates,
        "nearest",
    ),
    (
        regex.compile(
            r"XXXX-(?P<orthodox>O)?PASCHA(?P<offset>[+-]\d{1,2})(?P<span>-WEEK|-WEEKEND)?"
            r"(?:-Y(?P<year>\d{4}))?"
        ),
        _easter_candidates,
        "nearest",
    ),
    (
        regex.compile(r"XXXX-HIJRI-(?P<month>\d\d)(?:-(?P<day>\d\d))?(?:-Y(?P<year>\d{4}))?"),
        _hijri_candidates,
        "nearest",
    ),
    (
        regex.compile(
            r"XXXX-HEBREW-(?P<month>\d\d)-(?P<day>\d\d)(?:\+(?P<extra>\d{1,2}))?(?P<israeli>-IL)?"
            r"(?:-Y(?P<year>\d{4}))?"
        ),
        _hebrew_candidates,
        "nearest",
    ),
    (
        regex.compile(r"XXXX(?P<rest>-\d\d-\d\d|-\d\d|-Q[1-4]|-SP|-SU|-FA|-WI)"),
        _yearly_candidates,
        "nearest",
    ),
)


def _distance(period: Period, day: date) -> int:
    if period.first_day <= day <= period.last_day:
        return 0
    return min(abs((period.first_day - day).days), abs((period.last_day - day).days))


def _pick(candidates: list[Period], direction: str, day: date) -> Period | None:
    if direction == "PREV":
        before = [p for p in candidates if p.last_day < day]
        return before[-1] if before else None
    if direction == "NEXT":
        after = [p for p in candidates if p.first_day > day]
        return after[0] if after else None
    if direction == "past":
        started = [p for p in candidates if p.first_day <= day]
        return started[-1] if started else None
    if direction == "future":
        unfinished = [p for p in candidates if p.last_day >= day]
        return unfinished[0] if unfinished else None
    # THIS and "nearest": the occurrence containing the day, else the closest one.
    return min(candidates, key=lambda period: _distance(period, day), default=None)


def _calendar_year_reading(
    candidates: list[Period], direction: str, chosen: Period, day: date
) -> Period:
    """How "this" and "last" read with a month name: by the calendar year.

    "this September" (said in February) is the one of the current year, not the nearer past
    one; "last February" (said in March) is a year back: the month just ended is "last month".
    """
    if chosen.granularity != "month":
        return chosen  # seasons straddle years: "this winter" stays the nearest one
    if direction == "THIS" and not chosen.first_day <= day <= chosen.last_day:
        same_year = [p for p in candidates if p.first_day.year == day.year]
        return same_year[0] if len(same_year) == 1 else chosen
    if direction == "PREV":
        just_ended = chosen.last_day >= day.replace(day=1) - timedelta(days=1)
        if just_ended:
            earlier = [p for p in candidates if p.last_day < chosen.first_day]
            return earlier[-1] if earlier else chosen
    return chosen


def _resolve_cyclic(match: regex.Match[str], context: Context) -> Resolution:
    return _resolve_cyclic_cached(
        match["direction"], match["partial"], match["suffix"], context.reference_day, context.tense
    )


@functools.lru_cache(maxsize=4096)
def _resolve_cyclic_cached(
    direction: str, partial_value: str, suffix: str | None, reference_day: date, tense: str | None
) -> Resolution:
    # Cached: a text names the same weekday or month many times with the same anchors.
    context = Context(reference_day, None, tense)
    match = {"direction": direction, "partial": partial_value, "suffix": suffix}
    for kind, candidates_of, untensed_direction in _CYCLIC_KINDS:
        partial = kind.fullmatch(match["partial"])
        if partial is None:
            continue
        candidates = sorted(
            candidates_of(partial, context.reference_day), key=lambda p: p.first_day
        )
        direction = match["direction"]
        if direction == "TENSE":
            direction = context.tense or untensed_direction
        elif direction == "PAST":
            direction = "past"
        chosen = _pick(candidates, direction, context.reference_day)
        if candidates_of is _yearly_candidates and chosen is not None:
            chosen = _calendar_year_reading(candidates, direction, chosen, context.reference_day)
        nearest = _pick(candidates, "nearest", context.reference_day)
        if (
            match["direction"] == "TENSE"
            and chosen is not None
            and nearest is not None
            and _distance(chosen, context.reference_day) > _TENSE_REACH_DAYS
            and _distance(nearest, context.reference_day) <= _NEAR_DAYS
        ):
            # The tense guess is weak evidence: "Jan. 14" in a story of Jan. 7 is next week,
            # whatever the verbs say, not almost a year ago.
            chosen = nearest
        if chosen is None:
            if candidates_of in (_hijri_candidates, _hebrew_candidates):
                return Resolution(_lunar_unknown(partial))
            break
        return _with_suffix(chosen, match["suffix"])
    return Resolution(match["partial"] + (match["suffix"] or ""))


def _resolve_shifted(match: regex.Match[str], context: Context) -> Resolution:
    unit = match["unit"]
    inner = resolve_value(match["inner"], "period", context)
    if inner.first_day is None or inner.last_day is None:
        return Resolution(_UNKNOWN_VALUE[unit])
    offset = int(match["count"]) * (-1 if match["sign"] == "-" else 1)
    day = inner.last_day if offset > 0 else inner.first_day
    try:
        period = period_containing(day, unit, offset)
    except (ValueError, OverflowError):
        return Resolution(_UNKNOWN_VALUE[unit])
    return _with_suffix(period, None)


def _duration_value(amount: str, unit: str) -> str:
    """ "2.5 years" -> P2Y6M, "5.5 hours" -> PT5H30M, "0.5 year" -> P6M (as TimeML writes them)."""
    if "." not in amount or unit not in SMALLER_UNIT:
        return format_duration(amount, unit)
    smaller, factor = SMALLER_UNIT[unit]
    whole = int(float(amount))
    part = (float(amount) - whole) * factor
    if whole == 0 and part.is_integer():
        return format_duration(str(int(part)), smaller)
    if part.is_integer() and unit not in DURATION_IN_YEARS:
        first = format_duration(str(whole), unit)
        second = format_duration(str(int(part)), smaller)
        if "T" in first:  # PT5H + PT30M
            return first + second[2:]
        return first + second[1:]  # P2Y + P6M, P1D + PT12H
    scaled = float(amount) * factor
    if scaled.is_integer():
        return format_duration(str(int(scaled)), smaller)
    return format_duration(amount, unit)


def _counted_interval(match: regex.Match[str], context: Context, mode: str) -> Resolution:
    """A duration laid out back ("trailing") or forward ("leading") from the reference day."""
    amount, unit = match["amount"], match["unit"]
    value = _duration_value(amount, unit)
    if unit not in CALENDAR_UNITS or not amount.isdigit() or int(amount) == 0:
        return Resolution(value)
    count = int(amount)
    day = context.reference_day
    try:
        if mode == "landing":
            first = last = move_day(day, unit, count)
            return Resolution(value, first, last, "day")
        if mode == "trailing":
            first, last = move_day(day, unit, -count) + timedelta(days=1), day
        else:
            first, last = day, move_day(day, unit, count) - timedelta(days=1)
    except (ValueError, OverflowError):
        return Resolution(value)
    return Resolution(value, first, last, "range")


def narrow_to_third(resolution: Resolution, mod: str) -> Resolution:
    """Early/mid/late: keep the first, middle or last third of the interval.

    Only intervals of three days or more are narrowed; the value keeps naming the whole period
    (TIMEX3 puts early/mid/late in `mod`, not in the value).
    """
    if resolution.first_day is None or resolution.last_day is None:
        return resolution
    length = (resolution.last_day - resolution.first_day).days + 1
    third = {"START": 0, "MID": 1, "END": 2}.get(mod)
    if third is None or length < 3:
        return resolution
    first = resolution.first_day + timedelta(days=length * third // 3)
    last = resolution.first_day + timedelta(days=length * (third + 1) // 3 - 1)
    return replace(resolution, first_day=first, last_day=last)


def _apply_calendar_mode(resolution: Resolution, mode: str, reference_day: date) -> Resolution:
    if mode == "none":
        return Resolution(resolution.value)
    if resolution.first_day is None or resolution.last_day is None or mode in ("period", "landing"):
        return resolution
    if mode == "up_to_reference":
        if resolution.first_day > reference_day:
            return Resolution(resolution.value)
        last = min(resolution.last_day, reference_day)
        return replace(resolution, last_day=last)
    if mode == "since_to_reference":
        if resolution.first_day > reference_day:
            return Resolution(resolution.value)
        return replace(resolution, last_day=reference_day, granularity="range")
    return resolution


def _period_or_tense(
    period: Period | None, fallback: str, calendar_mode: str, context: Context
) -> Resolution:
    """The period the story's own date gave a value, else the fallback value as the tense
    resolves it (for the NARR:/STORY: values whose anchor did not apply)."""
    if period is None:
        return resolve_value(fallback, calendar_mode, context)
    return _apply_calendar_mode(_with_suffix(period, None), calendar_mode, context.reference_day)


def resolve_value(underspecified: str, calendar_mode: str, context: Context) -> Resolution:
    """Resolve one rule output against the anchors (see the module docstring for the grammar)."""
    if match := _SHIFTED.fullmatch(underspecified):
        resolution = _resolve_shifted(match, context)
        return _apply_calendar_mode(resolution, calendar_mode, context.reference_day)
    if match := _EDGE_DAY.fullmatch(underspecified):
        inner = resolve_value(match["inner"], "period", context)
        day = inner.first_day if match["edge"] == "FIRST" else inner.last_day
        if day is None:
            return Resolution("XXXX-XX-XX")
        resolution = _with_suffix(Period(day.isoformat(), day, day, "day"), None)
        return _apply_calendar_mode(resolution, calendar_mode, context.reference_day)
    if match := _DURATION.fullmatch(underspecified):
        if calendar_mode == "landing" and context.tense != "future":
            # "the lowest level in two years" looks back: no day to land on.
            return Resolution(_duration_value(match["amount"], match["unit"]))
        if calendar_mode in ("trailing", "leading", "landing"):
            return _counted_interval(match, context, calendar_mode)
        return Resolution(_duration_value(match["amount"], match["unit"]))
    if match := _KNOWN_DAY.fullmatch(underspecified):
        period = period_of_value(underspecified.removeprefix("KNOWN:"))
        if period is None or period.first_day > context.reference_day:
            # Written before that day, the words name another one ("the Oct. 7 attack" of 1998).
            return resolve_value(f"TENSE:XXXX{match['rest']}", calendar_mode, context)
        resolution = _with_suffix(period, None)
        return _apply_calendar_mode(resolution, calendar_mode, context.reference_day)
    if match := _ANNIVERSARY.fullmatch(underspecified):
        event = period_of_value(f"{match['year']}{match['rest']}")
        day = None
        if match["years"] != "X":  # an ordinal the table does not know
            day = period_of_value(f"{int(match['year']) + int(match['years']):04d}{match['rest']}")
        if event is None or day is None or event.first_day > context.reference_day:
            # Not yet happened when written: the words name another event; or a 29 February.
            return Resolution("XXXX-XX-XX")
        return _apply_calendar_mode(_with_suffix(day, None), calendar_mode, context.reference_day)
    if match := _FOCUS.fullmatch(underspecified):
        if context.focus is None:
            return resolve_value(match["fallback"], calendar_mode, context)
        try:
            if match["year"]:
                day = context.focus.first_day.replace(year=int(match["year"]))
            else:
                offset = int(match["count"]) * (-1 if match["sign"] == "-" else 1)
                day = move_day(context.focus.first_day, match["unit"], offset)
            period = period_containing(day, context.focus.granularity)
        except (ValueError, OverflowError):
            return Resolution(_UNKNOWN_VALUE[context.focus.granularity])
        resolution = _with_suffix(period, None)
    elif match := _NARRATIVE_YEAR.fullmatch(underspecified):
        anchor = context.narrative_anchor
        period = None
        # "March 3 to 5" takes the year of a day; "In 2023 ... That summer", "November of that
        # year" that of any period within one year.
        within_year = match["season"] is not None or match["month"] is not None
        anchors = _WITHIN_ONE_YEAR if within_year else ("day",)
        if anchor is not None and anchor.granularity in anchors:
            period = period_of_value(f"{anchor.first_day.year:04d}{match['rest']}")
        return _period_or_tense(period, f"TENSE:XXXX{match['rest']}", calendar_mode, context)
    elif match := _STORY_YEAR.fullmatch(underspecified):
        anchor = context.narrative_anchor
        period = None
        if (
            anchor is not None
            and anchor.granularity in (_STORY_DAY_ANCHORS if match["day"] else _STORY_MONTH_ANCHORS)
            and anchor.first_day.year < context.reference_day.year
            and context.tense != "future"
            and int(match["month"]) >= anchor.first_day.month
        ):
            # A background paragraph in a past year goes on in it: "The war broke out in April
            # 2023. In June, fighting spread to Darfur" is June 2023; "began on Nov. 27, 2024 ...
            # in the early hours of Dec. 8"; "- Q3 2023: a truce begins on Aug. 3".
            period = period_of_value(f"{anchor.first_day.year:04d}{match['rest']}")
        return _period_or_tense(period, f"TENSE:XXXX{match['rest']}", calendar_mode, context)
    elif match := _NARRATIVE_MONTH.fullmatch(underspecified):
        anchor = context.narrative_anchor
        period = None
        if (
            anchor is not None
            and anchor.granularity in ("month", *DAY_OR_FINER)
            and anchor.first_day.replace(day=1) != context.reference_day.replace(day=1)
            and not (context.tense == "future" and anchor.last_day < context.reference_day)
        ):
            # An anchor in the reference month is no evidence against the tense's choice
            # ("Talks collapsed yesterday. On the 28th ..." written on the 12th is last month);
            # nor is a past one for what is still to come ("... was sworn in on Dec. 29.
            # Ministers will meet on the 24th").
            month = anchor.first_day
            period = period_of_value(f"{month.year:04d}-{month.month:02d}-{match['day']}")
        return _period_or_tense(period, f"TENSE:XXXX-XX-{match['day']}", calendar_mode, context)
    elif match := _NARRATIVE_WEEKDAY.fullmatch(underspecified):
        anchor = context.narrative_anchor
        day = context.reference_day
        # A month counts from a month the story is in too ("September 2014 and the following
        # February"); a weekday only from a day.
        anchors = ("month", *DAY_OR_FINER) if match["month"] else DAY_OR_FINER
        if anchor is not None and anchor.granularity in anchors:
            day = anchor.first_day
        if match["direction"] == "WEEK":
            if anchor is None or anchor.granularity not in (*DAY_OR_FINER, "week"):
                return Resolution("XXXX-XX-XX")  # "of that week" with no week told of
            monday = anchor.first_day - timedelta(days=anchor.first_day.weekday())
            weekday = monday + timedelta(days=int(match["weekday"]) - 1)
            resolution = _with_suffix(Period(weekday.isoformat(), weekday, weekday, "day"), None)
        else:
            resolution = _resolve_cyclic_cached(
                match["direction"], match["partial"], match["suffix"], day, None
            )
    elif match := _RELATIVE.fullmatch(underspecified):
        resolution = _resolve_relative(match, context, landing=calendar_mode == "landing")
    elif match := _CYCLIC.fullmatch(underspecified):
        resolution = _resolve_cyclic(match, context)
    else:
        period = period_of_value(underspecified)
        if period is None:
            return Resolution(underspecified)
        resolution = _with_suffix(period, None)
    return _apply_calendar_mode(resolution, calendar_mode, context.reference_day)
