"""The timeline formats: each writer turns a stream of events into the bytes of one document.

A writer is a generator of byte chunks over an iterable of events in (date_start, id) order, each
an item of `GET /v1/events` in plain values (`app.events.documents.public_events`: ids, dates and
times as their JSON text), so `GET /v1/timeline` and `timeline export` stream the very same bytes
and neither holds more than a page of events. No pydantic model is built per event: at a million
events that would be most of the time. Nothing here touches the database or HTTP.

Text from articles is untrusted. Formats whose consumers render HTML (TimelineJS, vis-timeline)
get it HTML-escaped, links only for http(s) URLs, and the CSV guards against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from icalendar import Event as CalendarEvent

# Send the body in chunks of about this size: one ASGI message per event would cost more than
# serializing the event, and a stored export (NDJSON, CSV) runs ~15 % faster than in 64 KB ones.
CHUNK_BYTES = 256 * 1024
DAY_LEVEL = frozenset({"time", "part_of_day", "day"})
CSV_COLUMNS = (
    "id",
    "title",
    "date_start",
    "date_end",
    "granularity",
    "category",
    "actors",
    "locations",
    "confidence",
    "status",
    "sources",
)
LIST_SEPARATOR = "; "
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ICS_STATUS = {"extracted": "TENTATIVE", "confirmed": "CONFIRMED", "rejected": "CANCELLED"}
ICS_UID_DOMAIN = "ceasefire-timeline"

# An event as an item of GET /v1/events (`EventPublic`), in plain JSON values; a source likewise.
PublicEvent = Mapping[str, Any]
PublicSource = Mapping[str, Any]


class TimelineFormat(StrEnum):
    JSON = "json"
    TIMELINEJS = "timelinejs"
    VIS = "vis"
    CSV = "csv"
    NDJSON = "ndjson"
    ICS = "ics"


# Media types a client may ask for in Accept; anything else gets the default, JSON.
ACCEPT_MEDIA_TYPES = {
    "application/json": TimelineFormat.JSON,
    "text/csv": TimelineFormat.CSV,
    "application/x-ndjson": TimelineFormat.NDJSON,
    "application/ndjson": TimelineFormat.NDJSON,
    "text/calendar": TimelineFormat.ICS,
}


@dataclass(frozen=True, slots=True)
class TimelineContext:
    """What a document says about itself besides its events."""

    title: str = "Ceasefire Timeline"
    # Events matching the filters when the request started; None when not counted.
    count: int | None = None
    filters: dict[str, str] = field(default_factory=dict)


Writer = Callable[[Iterable[PublicEvent], TimelineContext], Iterator[bytes]]
StoredWriter = Callable[[Iterable[bytes], TimelineContext], Iterator[bytes]]


def format_from_accept(accept: str | None) -> TimelineFormat:
    """The format an Accept header prefers (q-values honoured); JSON when it names none of ours."""
    best, best_quality = TimelineFormat.JSON, 0.0
    for part in (accept or "").split(","):
        media_type, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        candidate = ACCEPT_MEDIA_TYPES.get(media_type.lower())
        if candidate is not None and quality > best_quality:
            best, best_quality = candidate, quality
    return best


def _chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buffer: list[bytes] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def event_json(event: PublicEvent) -> bytes:
    """An event exactly as an item of `GET /v1/events`."""
    return orjson.dumps(event)


def is_web_link(url: str | None) -> bool:
    # javascript: or data: URLs in a link would run in the reader's browser.
    return bool(url) and url.lower().startswith(("https://", "http://"))


def phrase_span(sentence: str, phrase: str) -> tuple[int, int] | None:
    """Where the date phrase stands in its sentence (first occurrence), or None if it does not.

    Mentions store offsets into the whole article; a reader of one sentence needs them relative
    to the sentence, so they are found again, case-insensitively as a fallback.
    """
    if not phrase:
        return None
    start = sentence.find(phrase)
    if start < 0:
        lowered, lowered_phrase = sentence.lower(), phrase.lower()
        # Some letters change length when lowered ("İ"); their offsets would not match.
        if len(lowered) != len(sentence) or len(lowered_phrase) != len(phrase):
            return None
        start = lowered.find(lowered_phrase)
        if start < 0:
            return None
    return start, start + len(phrase)


# ---------------------------------------------------------------------------------------------
# json: periods in order, each with its events


@dataclass(frozen=True, slots=True)
class Period:
    """The bucket an event is drawn in: a day, or a whole month/year, or any other interval."""

    key: str
    granularity: str
    date_start: date
    date_end: date


def _last_day_of_month(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def period_of(event: PublicEvent) -> Period:
    start, end = date.fromisoformat(event["date_start"]), date.fromisoformat(event["date_end"])
    granularity = event["granularity"]
    if granularity in DAY_LEVEL and start == end:
        return Period(start.isoformat(), "day", start, end)
    if granularity == "month" and start.day == 1 and end == _last_day_of_month(start):
        return Period(f"{start:%Y-%m}", "month", start, end)
    whole_year = start == date(start.year, 1, 1) and end == date(start.year, 12, 31)
    if granularity == "year" and whole_year:
        return Period(f"{start.year:04d}", "year", start, end)
    # Weeks, seasons, ranges…: an ISO 8601 interval names them without guessing a label.
    return Period(f"{start.isoformat()}/{end.isoformat()}", granularity, start, end)


def _periods_of_one_start(
    events: Iterable[PublicEvent],
) -> list[tuple[Period, list[PublicEvent]]]:
    grouped: dict[Period, list[PublicEvent]] = {}
    for event in events:
        grouped.setdefault(period_of(event), []).append(event)
    # The widest bucket first: August 2024 before 1 August 2024.
    return sorted(grouped.items(), key=lambda item: (-(item[0].date_end.toordinal()), item[0].key))


def write_json(events: Iterable[PublicEvent], context: TimelineContext) -> Iterator[bytes]:
    def pieces() -> Iterator[bytes]:
        yield (
            b'{"title":'
            + orjson.dumps(context.title)
            + b',"count":'
            + orjson.dumps(context.count)
            + b',"filters":'
            + orjson.dumps(context.filters)
            + b',"periods":['
        )
        separator = b""
        # Events arrive sorted by date_start, so buckets only mix within one start date.
        for _start, same_start in itertools.groupby(events, key=lambda event: event["date_start"]):
            for period, members in _periods_of_one_start(same_start):
                yield (
                    separator
                    + b'{"period":'
                    + orjson.dumps(period.key)
                    + b',"granularity":'
                    + orjson.dumps(period.granularity)
                    + b',"date_start":"'
                    + period.date_start.isoformat().encode()
                    + b'","date_end":"'
                    + period.date_end.isoformat().encode()
                    + b'","events":['
                    + b",".join(event_json(event) for event in members)
                    + b"]}"
                )
                separator = b","
        yield b"]}\n"

    return _chunked(pieces())


# ---------------------------------------------------------------------------------------------
# timelinejs: Knight Lab TimelineJS3


def _timelinejs_date(day: date, *, precision: str = "day") -> dict[str, int]:
    parts = {"year": day.year}
    if precision in {"month", "day"}:
        parts["month"] = day.month
    if precision == "day":
        parts["day"] = day.day
    return parts


def _highlighted_sentence_html(source: PublicSource) -> str:
    sentence = source["sentence"]
    span = phrase_span(sentence, source["phrase"])
    if span is None:
        return html.escape(sentence)
    start, end = span
    return (
        html.escape(sentence[:start])
        + "<mark>"
        + html.escape(sentence[start:end])
        + "</mark>"
        + html.escape(sentence[end:])
    )


def _source_link_html(source: PublicSource) -> str:
    url = source["url"]
    label = html.escape(source["title"] or url or "article")
    # published_at is the article's local time: its first ten characters are its local date.
    published = html.escape(source["published_at"][:10])
    if is_web_link(url):
        href = html.escape(url or "", quote=True)
        label = f'<a href="{href}" target="_blank" rel="noopener noreferrer">{label}</a>'
    return f"<li>{label} ({published})</li>"


def timelinejs_slide(event: PublicEvent) -> dict[str, Any]:
    period = period_of(event)
    slide: dict[str, Any] = {"unique_id": event["id"]}
    if period.granularity in {"month", "year"}:
        slide["start_date"] = _timelinejs_date(period.date_start, precision=period.granularity)
        slide["display_date"] = html.escape(period.key)
    else:
        slide["start_date"] = _timelinejs_date(period.date_start)
        if period.date_end != period.date_start:
            slide["end_date"] = _timelinejs_date(period.date_end)
        if event["time"] and period.date_end == period.date_start:
            hour, minute = event["time"].split(":")
            slide["start_date"] |= {"hour": int(hour), "minute": int(minute)}
    sources = event["sources"]
    sentence = (
        _highlighted_sentence_html(sources[0]) if sources else html.escape(event["description"])
    )
    links = "".join(_source_link_html(source) for source in sources)
    slide["text"] = {
        "headline": html.escape(event["title"]),
        "text": f"<p>{sentence}</p>" + (f"<ul>{links}</ul>" if links else ""),
    }
    slide["group"] = html.escape(event["category"])
    return slide


def write_timelinejs(events: Iterable[PublicEvent], context: TimelineContext) -> Iterator[bytes]:
    summary = "Events dated from news reports, each with the sentence that dates it."
    if context.count is not None:
        summary = f"{context.count} events dated from news reports."
    title_slide = {"text": {"headline": html.escape(context.title), "text": f"<p>{summary}</p>"}}

    def pieces() -> Iterator[bytes]:
        yield b'{"title":' + orjson.dumps(title_slide) + b',"events":['
        separator = b""
        for event in events:
            yield separator + orjson.dumps(timelinejs_slide(event))
            separator = b","
        yield b"]}\n"

    return _chunked(pieces())


# ---------------------------------------------------------------------------------------------
# vis: vis-timeline items and groups


def _css_token(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "other"


def vis_item(event: PublicEvent) -> dict[str, Any]:
    """A vis-timeline item. `content` and `title` are HTML (escaped text): vis renders them so;
    `text` carries the plain title for pages that build their own DOM."""
    date_start, date_end = event["date_start"], event["date_end"]
    single_day = date_start == date_end
    start = date_start
    if single_day and event["time"]:
        start = f"{start}T{event['time']}"
    title, category, granularity = event["title"], event["category"], event["granularity"]
    item: dict[str, Any] = {
        "id": event["id"],
        "content": html.escape(title),
        "text": title,
        "start": start,
        "type": "box" if single_day else "range",
        "group": category,
        "title": html.escape(event["description"]),
        "className": f"granularity-{_css_token(granularity)} category-{_css_token(category)}",
        "granularity": granularity,
        "date_start": date_start,
        "date_end": date_end,
    }
    if not single_day:
        # vis-timeline ends a range at an instant, exclusive: midnight after the last day.
        item["end"] = (date.fromisoformat(date_end) + timedelta(days=1)).isoformat()
    return item


def write_vis(events: Iterable[PublicEvent], context: TimelineContext) -> Iterator[bytes]:
    def pieces() -> Iterator[bytes]:
        yield (
            b'{"title":'
            + orjson.dumps(context.title)
            + b',"count":'
            + orjson.dumps(context.count)
            + b',"items":['
        )
        categories: set[str] = set()
        separator = b""
        for event in events:
            categories.add(event["category"])
            yield separator + orjson.dumps(vis_item(event))
            separator = b","
        groups = [
            {"id": category, "content": html.escape(category), "text": category}
            for category in sorted(categories)
        ]
        yield b'],"groups":' + orjson.dumps(groups) + b"}\n"

    return _chunked(pieces())


# ---------------------------------------------------------------------------------------------
# csv, ndjson


def _safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_row(event: PublicEvent) -> list[str | float]:
    sources = dict.fromkeys(source["url"] or source["article_id"] for source in event["sources"])
    return [
        event["id"],
        _safe_cell(event["title"]),
        event["date_start"],
        event["date_end"],
        event["granularity"],
        _safe_cell(event["category"]),
        _safe_cell(LIST_SEPARATOR.join(event["actors"])),
        _safe_cell(LIST_SEPARATOR.join(event["locations"])),
        event["confidence"],
        event["status"],
        _safe_cell(LIST_SEPARATOR.join(sources)),
    ]


def csv_lines(rows: Iterable[Sequence[str | float]]) -> Iterator[bytes]:
    """Each row as its own encoded line. The csv module's default dialect is RFC 4180: CRLF line
    ends, quotes doubled."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


CSV_HEADER = next(csv_lines([CSV_COLUMNS]))


def write_csv(events: Iterable[PublicEvent], context: TimelineContext) -> Iterator[bytes]:
    return write_csv_rows(csv_lines(csv_row(event) for event in events), context)


def write_ndjson(events: Iterable[PublicEvent], context: TimelineContext) -> Iterator[bytes]:
    return write_ndjson_documents(map(event_json, events), context)


def write_ndjson_documents(documents: Iterable[bytes], context: TimelineContext) -> Iterator[bytes]:
    """`write_ndjson` of events given as their JSON documents (`event_json`): what exports send
    from the stored documents (app.events.documents)."""
    return _chunked(document + b"\n" for document in documents)


def write_csv_rows(rows: Iterable[bytes], context: TimelineContext) -> Iterator[bytes]:
    """`write_csv` of events given as their encoded CSV rows (`csv_lines` of `csv_row`): what
    exports send from the stored rows (app.events.documents)."""
    return _chunked(itertools.chain([CSV_HEADER], rows))


# ---------------------------------------------------------------------------------------------
# ics: RFC 5545 calendar of all-day events


# icalendar is imported where a calendar is written: the module is imported by every command
# (stored documents use the CSV writer) and icalendar costs ~55 ms of start-up.


def ics_event(event: PublicEvent) -> CalendarEvent:
    from icalendar import Event as CalendarEvent

    vevent = CalendarEvent()
    # A UID stable across exports lets a calendar update the event instead of duplicating it.
    vevent.add("uid", f"{event['id']}@{ICS_UID_DOMAIN}")
    updated_at = datetime.fromisoformat(event["updated_at"])
    vevent.add("dtstamp", updated_at)
    vevent.add("created", datetime.fromisoformat(event["created_at"]))
    vevent.add("last-modified", updated_at)
    vevent.add("dtstart", date.fromisoformat(event["date_start"]))
    # All-day events end on the day after the last one (DTEND is exclusive).
    vevent.add("dtend", date.fromisoformat(event["date_end"]) + timedelta(days=1))
    vevent.add("summary", event["title"])
    sources = event["sources"]
    lines = [event["description"], ""]
    for source in sources:
        lines.append(
            f"“{source['phrase']}” ({source['timex_value']}) — {source['title'] or 'article'}"
        )
        if source["url"]:
            lines.append(source["url"])
    vevent.add("description", "\n".join(lines).strip())
    vevent.add("categories", [event["category"]])
    vevent.add("status", ICS_STATUS.get(event["status"], "TENTATIVE"))
    if event["locations"]:
        vevent.add("location", ", ".join(event["locations"]))
    first_url = next((source["url"] for source in sources if source["url"]), None)
    if first_url:
        vevent.add("url", first_url)
    return vevent


def write_ics(events: Iterable[PublicEvent], context: TimelineContext) -> Iterator[bytes]:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//Ceasefire Timeline//timeline//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", context.title)
    # The envelope comes from icalendar too; events are serialized one by one between its lines.
    envelope = calendar.to_ical()
    closing = b"END:VCALENDAR\r\n"
    assert envelope.endswith(closing)
    head = envelope[: -len(closing)]

    def pieces() -> Iterator[bytes]:
        yield head
        for event in events:
            yield ics_event(event).to_ical()
        yield closing

    return _chunked(pieces())


@dataclass(frozen=True, slots=True)
class FormatSpec:
    name: TimelineFormat
    media_type: str
    extension: str
    # Downloads open a save dialog; JSON documents are shown inline.
    attachment: bool
    write: Writer
    # Where the format sends each event as stored (app.events.documents: "document" for its
    # JSON, "csv_row"), the rendering and the writer of the same bytes from it.
    stored: str | None = None
    write_stored: StoredWriter | None = None


FORMATS: dict[TimelineFormat, FormatSpec] = {
    spec.name: spec
    for spec in (
        FormatSpec(TimelineFormat.JSON, "application/json", "json", False, write_json),
        FormatSpec(
            TimelineFormat.TIMELINEJS,
            "application/json",
            "timelinejs.json",
            False,
            write_timelinejs,
        ),
        FormatSpec(TimelineFormat.VIS, "application/json", "vis.json", False, write_vis),
        FormatSpec(
            TimelineFormat.CSV,
            "text/csv; charset=utf-8; header=present",
            "csv",
            True,
            write_csv,
            "csv_row",
            write_csv_rows,
        ),
        FormatSpec(
            TimelineFormat.NDJSON,
            "application/x-ndjson",
            "ndjson",
            True,
            write_ndjson,
            "document",
            write_ndjson_documents,
        ),
        FormatSpec(TimelineFormat.ICS, "text/calendar; charset=utf-8", "ics", True, write_ics),
    )
}
