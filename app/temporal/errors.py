"""Errors the temporal engine raises on bad input (the engine never fails on odd *text*)."""

from __future__ import annotations


class UnknownTimezoneError(ValueError):
    """The caller named a time zone that the IANA database (zoneinfo) does not know."""


class RulebookError(ValueError):
    """A rule file is malformed: unknown fragment, unknown table, bad template or bad regex."""
