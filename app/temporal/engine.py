"""The engine's entry point: text + reference time -> resolved temporal expressions.

It validates the reference time and zone, runs extraction (extract.py), decides each
expression's tense (tense.py), keeps the text's anchors (the narrative anchor: the last dated
expression; the reporting period: the last completed quarter named), resolves the values
(resolve.py) and builds the public `TemporalExpression`s. It never reads the clock.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

import regex

from app.temporal.calendar import DAY_OR_FINER, Period, period_of_value
from app.temporal.errors import UnknownTimezoneError
from app.temporal.extract import Candidate, extract
from app.temporal.model import TemporalExpression
from app.temporal.resolve import Context, Resolution, narrow_to_third, resolve_value
from app.temporal.rulebook import Rulebook, load_rulebook
from app.temporal.tense import TenseCues, sentence_tense
from app.temporal.zones import zone

# Expressions whose value depends on the sentence's tense carry a "TENSE:" direction (also
# inside a shifted value: "AT+0week:TENSE:XXXX-03-06"); a day anchored on the narrative
# ("NARR:XXXX-03-05", "NARR:XXXX-XX-19") falls back to the tense when the text has no anchor, a
# known day ("KNOWN:2023-10-07") when the text was written before it.
# A clock time of no named day ("DAY+0dayT23:00") may fall on the other side of the moment of
# writing, which the tense tells.
_CLOCK_OF_NO_DAY = "DAY+0dayT"
_STAMP = "STAMP+0dayT"  # a live blog's time stamp (rule clock_stamp)
_PART_OF_STORY_DAY = "NARR+0dayT"  # "by the morning", "that evening"
_STORY = "STORY:"  # a month in the year of a background paragraph (resolve.py)
# How far (characters) a background paragraph's date carries a month name to its year.
_STORY_REACH = 300
_TENSE_DEPENDENT = ("TENSE:", "NARR:", "KNOWN:", _STORY, _CLOCK_OF_NO_DAY, _PART_OF_STORY_DAY)
# Values that refer back to the reporting period never become an anchor themselves: "a year
# earlier" twice in a row means the same year, not two years back; "the 1988 period" names the
# period compared with, not a new one.
_FOCUS_DEPENDENT = ("FOCUS-", "FOCUS@")
# The granularity of a reporting period in company results ("the quarter", "a year earlier").
_FOCUS_GRANULARITY = "quarter"
# A day news names by its date alone ("KNOWN:2023-10-07"), a year-less day ("Oct. 7", "March 3
# at 2 p.m.") and a day with its year ("2023-10-07").
_KNOWN = "KNOWN:"
_REPORTED = "REPORT"
# How far before a day the words that tie it to a known day ("since the ") or to a report
# ("the air force said late on ") are looked for: the patterns end at the day.
_SIGNAL_REACH = 16
_REPORT_REACH = 40
# How far before a year its name's "<Name> of" is looked for (reNamedYearBefore).
_NAME_REACH = 32
_YEARLESS_DAY = regex.compile(r"(?:TENSE|STORY):XXXX(?P<day>-\d\d-\d\d)(?P<suffix>T.+)?")
_DAY_VALUE = regex.compile(r"(?P<year>\d{4})(?P<day>-\d\d-\d\d)")
# Granularities an expression may have to serve as the anchor of "the next day" and the like.
_ANCHORING_GRANULARITIES = frozenset(
    ("time", "part_of_day", "day", "week", "month", "quarter", "season", "year")
)


def _zone(timezone: str) -> tzinfo:
    if not isinstance(timezone, str):
        raise UnknownTimezoneError(f"unknown time zone: {timezone!r}")
    return zone(timezone)


def reference_local(reference_time: datetime, timezone: str = "UTC") -> datetime:
    """`reference_time` as a local time of `timezone` (validating both)."""
    if not isinstance(reference_time, datetime):
        raise TypeError("reference_time must be a datetime")
    if reference_time.tzinfo is None or reference_time.utcoffset() is None:
        raise ValueError("reference_time must be timezone-aware")
    return reference_time.astimezone(_zone(timezone))


@functools.lru_cache(maxsize=16_384)
def _resolve_unanchored(
    underspecified: str, calendar: str, tense: str | None, today: date
) -> Resolution:
    """`resolve_value` for a value that looks at no anchor of the text: cached, since texts
    (and texts of the same day) repeat them."""
    return resolve_value(underspecified, calendar, Context(today, None, tense, None))


def _should_be_dated(candidate: Candidate) -> bool:
    """A DATE/TIME rule that names a calendar period but could not be pinned is less sure."""
    return candidate.rule.timex_type in ("DATE", "TIME") and candidate.rule.calendar != "none"


def _build(candidate: Candidate, resolution: Resolution, text: str) -> TemporalExpression:
    mod = candidate.rule.mod
    confidence = candidate.rule.confidence
    if candidate.modifier is not None:
        mod = candidate.modifier.mod
        if candidate.modifier.narrows:
            resolution = narrow_to_third(resolution, mod)
    dated = resolution.first_day is not None and resolution.last_day is not None
    return TemporalExpression(
        text=text[candidate.start : candidate.end],
        start=candidate.start,
        end=candidate.end,
        type=candidate.rule.timex_type,
        value=resolution.value,
        date_start=resolution.first_day if dated else None,
        date_end=resolution.last_day if dated else None,
        granularity=resolution.granularity if dated else None,
        mod=mod,
        confidence=confidence if dated or not _should_be_dated(candidate) else confidence / 2,
        rule=candidate.rule.name,
    )


@dataclass(frozen=True, slots=True)
class _StoryAnchor:
    """The period the story is at (the last dated expression that may anchor it), and what
    kind of mention set it."""

    period: Period
    end: int  # where the expression that set it ends
    names_an_event: bool = False  # a known day ("the Oct. 7 attack"): it lends no story year
    is_a_stamp: bool = False  # a live blog's time stamp: a moment of writing
    starts_a_span: bool = False  # where a "since ..." span starts: it lends no story year
    entry_line_end: int = 0  # where the timeline entry it heads ends, if it heads one


def _tense_leaves(anchor: Period, tense: str | None, today: date) -> bool:
    """Whether a sentence's tense points away from a day the story told of."""
    if tense == "future":
        return anchor.last_day < today
    if tense == "past":
        return anchor.first_day > today
    return False


def _anchor_of(expression: TemporalExpression) -> Period:
    """The period a dated expression gives the story. Midnight written as T24:00 ends its day,
    so what follows it ("expired at midnight on Sunday ... shortly after 1 a.m.") is on the
    next."""
    first, last = expression.date_start, expression.date_end
    if expression.value.endswith("T24:00") and first is not None and last is not None:
        first, last = first + timedelta(days=1), last + timedelta(days=1)
    value = expression.value
    if expression.mod == "END" and expression.granularity == "day":
        # "late Wednesday" ends in its night: a small-hours clock told after it is past it.
        value += "TNI"
    return Period(value, first, last, expression.granularity)


_YEAR_MONTH_DAY = regex.compile(r"^(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>0[1-9]|1[0-2])$")


def _writes_day_first(candidates: list[Candidate]) -> bool:
    """Whether the text writes its dates day first ("28 March", "31/12/2025") more often than
    month first ("March 28"): then its 12/09/2025 is 12 September, not December 9."""
    balance = 0
    for candidate in candidates:
        order = candidate.rule.date_order
        if order == "day_first":
            balance += 1
        elif order == "month_first":
            balance -= 1
    return balance > 0


def _day_and_month_swapped(match: regex.Match[str]) -> str:
    return f"{match['year']}-{match['day']}-{match['month']}"


def _since_start(expression: TemporalExpression) -> Period | None:
    """The period a "since ..." span starts with ("since September" written in February: last
    September), if the expression is one and names a month or a day."""
    if expression.mod != "ON_OR_AFTER" or expression.granularity != "range":
        return None
    period = period_of_value(expression.value)
    if period is None or period.granularity not in ("month", "day"):
        return None
    return period


def _dates_a_report(
    text: str,
    expression: TemporalExpression,
    rulebook: Rulebook,
    sentence_start: int = 0,
    granularities: frozenset[str] = frozenset(("day",)),
) -> bool:
    """Whether a day (or, with `granularities`, a time) dates the report of what its sentence
    tells ("the group said on Saturday", "officials said shortly after midnight"): a reporting
    verb right before it (reReportedOn)."""
    return (
        expression.granularity in granularities
        and expression.date_start is not None
        and rulebook.reported_on is not None
        and rulebook.reported_on.search(
            text, max(sentence_start, expression.start - _REPORT_REACH), expression.start
        )
        is not None
    )


def _names_a_thing(text: str, expression: TemporalExpression, rulebook: Rulebook) -> bool:
    """Whether a year is part of a name ("India suspended the Indus Waters Treaty of 1960 the
    next day"): the story does not go on in that year."""
    return (
        expression.granularity == "year"
        and rulebook.named_year_before is not None
        and rulebook.named_year_before.search(
            text, max(0, expression.start - _NAME_REACH), expression.start
        )
        is not None
    )


def _same_sentence(text: str, anchor_end: int, start: int, rulebook: Rulebook) -> bool:
    """Whether the narrative anchor and `start` lie in one sentence (the language's sentence
    ends, as the tense cues read them) of one line: "were killed on Thursday afternoon ..., the
    group said on Saturday" keeps the story on Thursday."""
    return (
        _same_passage(text, anchor_end, start)
        and rulebook.tense_lexicon.sentence_end.search(text, anchor_end, start) is None
    )


_PAST, _NEXT = "PAST:", "NEXT:"
_SCHEDULE_REACH = 600  # characters before an entry in which a schedule's introduction is sought
_ENTRY_HEAD_BEFORE = regex.compile(r"[ \t]{0,3}(?:[-–•*][ \t]+)?")
_ENTRY_HEAD_AFTER = regex.compile(r"[ \t]?[:–—-][ \t]")


def _heads_a_schedule_entry(text: str, candidate: Candidate, rulebook: Rulebook) -> bool:
    """Whether a day heads an entry of a list of dates still to come: "published the calendar
    for the election: ... - 5 March: polling from 7 a.m." (reScheduleIntro shortly before)."""
    return (
        rulebook.schedule_intro is not None
        and _entry_line_end(text, candidate) > 0
        and rulebook.schedule_intro.search(
            text, max(0, candidate.start - _SCHEDULE_REACH), candidate.start
        )
        is not None
    )


def _entry_line_end(text: str, expression: TemporalExpression | Candidate) -> int:
    """Where the line ends that `expression` heads as a timeline's entry ("- Q3 2023: ...",
    "March 2022 – ..."); 0 when it heads none."""
    line_start = text.rfind("\n", 0, expression.start) + 1
    if _ENTRY_HEAD_BEFORE.fullmatch(text, line_start, expression.start) is None:
        return 0
    if _ENTRY_HEAD_AFTER.match(text, expression.end) is None:
        return 0
    line_end = text.find("\n", expression.end)
    return len(text) if line_end < 0 else line_end


def _same_passage(text: str, anchor_end: int, start: int) -> bool:
    """Whether an expression follows the narrative anchor closely, in the same paragraph."""
    return 0 < start - anchor_end <= _STORY_REACH and "\n" not in text[anchor_end:start]


def _clock_of_writing(moment: datetime) -> str | None:
    """The moment of writing as "HH:MM"; None for a time stamp of exactly midnight, a bare date
    (news archives date stories so), which says nothing of the moment of writing."""
    return None if moment.time() == time(0) else f"{moment.hour:02d}:{moment.minute:02d}"


_UNKNOWN_ZONE = "unknown"
_CLOCK_IN_VALUE = regex.compile(r"\d{4}-\d\d-\d\dT(?P<hour>\d\d):(?P<minute>\d\d)")


def _clock_zone(text: str, candidate: Candidate, rulebook: Rulebook) -> tzinfo | str | None:
    """The zone a clock time of no named day is given in: None for the text's own, a tzinfo
    for one the language's table knows ("0200 GMT", "23:30 BST", "10 p.m. Washington time"),
    `_UNKNOWN_ZONE` for another."""
    other = rulebook.other_clock_zone
    found = other.search(text, candidate.start, candidate.end) if other is not None else None
    if found is None:
        return None
    name = rulebook.clock_zone(found.group()) if rulebook.clock_zone is not None else "X"
    return _UNKNOWN_ZONE if name == "X" else zone(name)


def _clock_frame(clock_zone: tzinfo | str | None, moment: datetime) -> tuple[date, str | None]:
    """The day and the moment of writing a clock time of no named day is read against: the
    moment of writing in the clock's zone, on that zone's calendar; for a zone the language's
    table does not know, the local day and no moment: it is not comparable with it. A bare
    date (a midnight time stamp) has no moment, and its day is that date."""
    if clock_zone is None:
        return moment.date(), _clock_of_writing(moment)
    if _clock_of_writing(moment) is None or isinstance(clock_zone, str):
        return moment.date(), None
    there = moment.astimezone(clock_zone)
    return there.date(), _clock_of_writing(there)


def _moment_of(anchor: Period, local_zone: tzinfo | None) -> datetime | None:
    """The moment a clock anchor names in the text's zone ("03:25" of a live blog), if it is
    one."""
    found = _CLOCK_IN_VALUE.match(anchor.value)
    if anchor.granularity != "time" or found is None or anchor.first_day is None:
        return None
    hour = int(found["hour"]) % 24  # T24:00: `_anchor_of` already moved it to the next day
    return datetime.combine(anchor.first_day, time(hour, int(found["minute"])), local_zone)


def resolve(
    text: str, reference_time: datetime, timezone: str = "UTC", language: str = "en"
) -> list[TemporalExpression]:
    """Find and resolve every temporal expression in `text`, sorted by start offset.

    `reference_time` (aware) is when the text was written; it is converted into `timezone`
    before any calendar day is computed. Raises ValueError for a naive reference time and
    UnknownTimezoneError (a ValueError) for an unknown zone.
    """
    local = reference_local(reference_time, timezone)
    today = local.date()
    clock = _clock_of_writing(local)
    rulebook = load_rulebook(language)
    expressions: list[TemporalExpression] = []
    story: _StoryAnchor | None = None
    past_anchor: Period | None = None  # the last story anchor not after the reference day
    stamp_day: date | None = None  # the day of the live-blog entry being read, if any
    stamp_entry_end = 0
    focus: Period | None = None
    # Found on first need: most texts never need them.
    tense_cues = functools.cache(functools.partial(TenseCues.find, text, rulebook.tense_lexicon))
    # The year of each known day the text has named ("the Oct. 7 attack"): "since Oct. 7" later
    # on is that day, not the tense's nearest Oct. 7; "on Oct. 7" may be this year's
    # anniversary, and so may a day dated with its year ("Oct. 23, 1998 ... on Oct. 23").
    known_days: dict[str, str] = {}
    reported: list[tuple[int, Candidate]] = []  # counted from the day of a report, if named
    candidates = extract(text, rulebook)
    day_first = _writes_day_first(candidates)
    for candidate in candidates:
        tense = None
        if (
            any(marker in candidate.underspecified for marker in _TENSE_DEPENDENT)
            or candidate.rule.calendar == "landing"
        ):
            tense = sentence_tense(text, candidate.start, candidate.end, tense_cues())
        underspecified, calendar = candidate.underspecified, candidate.rule.calendar
        if underspecified.startswith(_PAST) and _heads_a_schedule_entry(text, candidate, rulebook):
            underspecified = _NEXT + underspecified.removeprefix(_PAST)
        if day_first and candidate.rule.date_order == "either":
            underspecified = _YEAR_MONTH_DAY.sub(_day_and_month_swapped, underspecified)
        yearless = _YEARLESS_DAY.fullmatch(underspecified) if known_days else None
        if (
            yearless
            and (year := known_days.get(yearless["day"]))
            and rulebook.known_day_again is not None
            and rulebook.known_day_again.search(
                text, max(0, candidate.start - _SIGNAL_REACH), candidate.start
            )
        ):
            underspecified = f"{year}{yearless['day']}{yearless['suffix'] or ''}"
        # Values whose resolution looks at the text's anchors; every other value depends only
        # on the reference day and the tense.
        if any(marker in underspecified for marker in ("NARR", "DAY", "FOCUS", "STAMP", "STORY")):
            day, moment = today, clock
            clock_zone = None
            if _CLOCK_OF_NO_DAY in underspecified or _STAMP in underspecified:
                clock_zone = _clock_zone(text, candidate, rulebook)
                day, moment = _clock_frame(clock_zone, local)
            anchor = story.period if story is not None else None
            anchor_end = story.end if story is not None else 0
            if (
                isinstance(clock_zone, tzinfo)
                and story is not None
                and story.is_a_stamp
                and (told_at := _moment_of(story.period, local.tzinfo)) is not None
            ):
                # "03:25 - Trump says he will address the nation at 10 p.m. Washington time":
                # read against the stamp's moment there, not against the stamp's local day.
                day, moment = _clock_frame(clock_zone, told_at)
                anchor = None
            if _STORY in underspecified and (
                story is None
                or story.names_an_event
                or story.starts_a_span
                or not _same_passage(text, story.end, candidate.start)
            ):
                # A year told of paragraphs ago is no longer the story's; nor is the year of a
                # day that names an event ("the 9/11 attacks were remembered on Sept. 11"), nor
                # of a span that runs to now ("had led the troops since April 2017. In October,
                # Britain sanctioned him").
                anchor = None
            if (
                anchor is not None
                and anchor.first_day is not None
                and anchor.first_day > today
                and "NARR" in underspecified
                and _CLOCK_OF_NO_DAY not in underspecified
                and _PART_OF_STORY_DAY not in underspecified  # `_tense_leaves` below, for these
                and sentence_tense(text, candidate.start, candidate.end, tense_cues()) == "past"
            ):
                # "On Wednesday, Washington imposed sanctions; they take effect on 21 November.
                # A day later, the EU adopted ...": what is told as past is not counted from a
                # day still to come, but from the story's last day that has been.
                anchor = past_anchor
            if (
                _STORY in underspecified
                and story is not None
                and candidate.start < story.entry_line_end
                and tense == "future"
            ):
                # A timeline's entry tells the past in the present: "- Q3 2023: A truce with
                # the ELN begins on Aug. 3" announces nothing.
                tense = None
            if (
                (_CLOCK_OF_NO_DAY in underspecified or _PART_OF_STORY_DAY in underspecified)
                and anchor is not None
                and _tense_leaves(anchor, tense, today)
                and (tense == "past" or not _same_passage(text, anchor_end, candidate.start))
            ):
                # "Zelensky is due to address parliament at noon", a paragraph after one about
                # a day a year back, is today's noon; what "had breached it by the morning"
                # cannot be on a day still to come. (A future tense is read less surely: in the
                # same paragraph it keeps the story's day: "had been scheduled for noon".)
                anchor = None
            context = Context(day, anchor, tense, focus, moment)
            resolution = resolve_value(underspecified, calendar, context)
        else:
            # In a live blog's entry, "today" and "this evening" are the stamp's day.
            in_entry = stamp_day is not None and candidate.start < stamp_entry_end
            day = stamp_day if in_entry and underspecified.startswith("REF") else today
            resolution = _resolve_unanchored(underspecified, calendar, tense, day)
        expression = _build(candidate, resolution, text)
        expressions.append(expression)
        if (
            focus is not None
            and rulebook.months_period is not None
            and rulebook.months_period.fullmatch(expression.text)
        ):
            # "In the first nine months, net was $306 million, against a loss in the 1988
            # period": that is the year before, not the quarter reported before.
            focus = None
        if underspecified.startswith(_REPORTED):
            reported.append((len(expressions) - 1, candidate))
        if (
            underspecified.startswith(_KNOWN)
            and expression.value is not None
            and (day := _DAY_VALUE.match(expression.value))
        ):
            known_days[day["day"]] = day["year"]
        since = _since_start(expression)
        if since is not None and not _names_a_thing(text, expression, rulebook):
            # "since September, when an Israeli strike killed Nasrallah, and the pager attacks
            # the same month": the story goes back to where the span starts.
            story = _StoryAnchor(since, expression.end, starts_a_span=True)
            past_anchor = since
        elif (
            expression.is_dated
            and expression.type in ("DATE", "TIME")
            and expression.granularity in _ANCHORING_GRANULARITIES
            and not candidate.underspecified.startswith(_FOCUS_DEPENDENT)
            and not (
                story is not None
                and _dates_a_report(text, expression, rulebook, granularities=DAY_OR_FINER)
                and _same_sentence(text, story.end, expression.start, rulebook)
            )
            and not _names_a_thing(text, expression, rulebook)
        ):
            story = _StoryAnchor(
                _anchor_of(expression),
                expression.end,
                names_an_event=underspecified.startswith(_KNOWN),
                is_a_stamp=_STAMP in underspecified,
                entry_line_end=_entry_line_end(text, expression),
            )
            if story.period.first_day is not None and story.period.first_day <= today:
                past_anchor = story.period
            if _STAMP in underspecified:
                stamp_day = expression.date_start
                entry_end = text.find("\n", expression.end)
                stamp_entry_end = len(text) if entry_end < 0 else entry_end
            if (
                expression.granularity == _FOCUS_GRANULARITY
                and expression.date_end < today
                and (
                    focus is None
                    or expression.date_start >= focus.first_day
                    or (
                        rulebook.own_calendar is not None
                        and rulebook.own_calendar.search(expression.text) is not None
                    )
                )
            ):
                # Results are reported for a period that is over: "the first quarter of 1990"
                # named as an outlook, or the quarter under way, is no reporting period. An
                # earlier quarter named after it ("after a flat second quarter") is a contrast,
                # not a new one; a fiscal quarter is on another calendar, so it may be.
                focus = story.period
    if reported:
        # The report's day may come after the expression in its sentence ("... overnight, the
        # air force said on Sunday"), so these are dated once every expression is.
        _date_from_reports(text, today, expressions, reported, rulebook, tense_cues())
    return expressions


def _date_from_reports(
    text: str,
    today: date,
    expressions: list[TemporalExpression],
    reported: list[tuple[int, Candidate]],
    rulebook: Rulebook,
    cues: TenseCues,
) -> None:
    """Re-date each expression counted from its report's day ("REPORT-1dayTNI") on the day a
    reporting verb of its sentence names, if one does; else it keeps the reference day's."""
    if rulebook.reported_on is None:
        return
    starts = [expression.start for expression in expressions]
    for index, candidate in reported:
        own = expressions[index]
        left, right = cues.sentence_bounds(len(text), own.start, own.end)
        report_day = None
        for other in expressions[
            bisect.bisect_left(starts, left) : bisect.bisect_left(starts, right)
        ]:
            if other is not own and _dates_a_report(text, other, rulebook, left):
                report_day = other.date_start
                break
        if report_day is None:
            continue
        resolution = resolve_value(
            candidate.underspecified, "period", Context(today, None, None, report_day=report_day)
        )
        if resolution.first_day is not None:
            # The night runs into the report's day, as "overnight" runs into the reference day.
            resolution = replace(resolution, last_day=report_day, granularity="range")
        expressions[index] = _build(candidate, resolution, text)
