"""Time-zone names the engine and the API accept: IANA names, or a fixed UTC offset (+02:00).

A fixed offset is what an aware publication time without a named zone gives us; zoneinfo knows
no such names, so they are parsed here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.temporal.errors import UnknownTimezoneError as UnknownTimezone

_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):?(\d{2})$")


@cache
def zone(name: str) -> tzinfo:
    """The tzinfo for an IANA name or a `±HH:MM` offset; raises UnknownTimezone otherwise."""
    match = _OFFSET.match(name)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta >= timedelta(hours=24):
            raise UnknownTimezone(f"offset {name!r} is out of range")
        return timezone(-delta if sign == "-" else delta)
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        raise UnknownTimezone(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimezone(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Kyiv' or an offset "
            "such as '+02:00'"
        ) from exc


def local_time(moment: datetime, zone_name: str) -> datetime:
    """An aware instant as the wall-clock time of `zone_name` (an IANA name or an offset)."""
    return moment.astimezone(zone(zone_name))


def offset_name(moment: datetime) -> str:
    """The fixed-zone name of an aware datetime's offset: 'UTC' or '±HH:MM'."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("naive datetime has no offset")
    if offset == timedelta(0):
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def localize(moment: datetime, zone_name: str | None) -> tuple[datetime, str]:
    """An aware instant and the zone its calendar dates are computed in.

    A naive `moment` is wall-clock time in `zone_name` (required then); an aware one keeps its
    instant, and its own offset names the zone when `zone_name` is absent.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        if not zone_name:
            raise ValueError("has no UTC offset: add one (e.g. +02:00) or give `timezone`")
        return moment.replace(tzinfo=zone(zone_name)), zone_name
    if zone_name:
        zone(zone_name)
        return moment, zone_name
    return moment, offset_name(moment)
