"""Timelines: the stored events as documents for frontends, scripts, calendars and spreadsheets.

`formats` turns a stream of events into one format (pure, no database); `service` pages through
the events and derives the ETag; `router` serves `GET /v1/timeline` and the timeline page.
"""
