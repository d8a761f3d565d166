"""A timeline's fingerprint (its ETag's ingredients, `repository.fingerprint`): the count and
latest change of the matching events and of their mentions. Exact for every filter on both
databases, and on SQLite read from indexes alone, so that it costs little beside the export it
heads."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.events import repository
from app.events.models import SPAN_CLASS_BOUNDS, Event, Mention
from app.events.repository import EventFilters
from tests.archive_rows import actor_row, event_row, insert_archive, mention_row
from tests.statements import captured_statements

SPANS = (0, 0, 0, 2, 6, 7, 30, 31, 45, 92, 93, 200, 366, 367, 900)
BEGINNING = datetime(2024, 1, 1, tzinfo=UTC)
EDGE_DAY = date(2021, 3, 1)


@pytest.fixture
def archive(client) -> dict:
    """300 events over five years, of every span class, each changed at its own time, with zero
    to three mentions created at their own times; an actor each, a category each."""
    rng = random.Random(5)
    article_id = uuid.uuid4()
    events, entities, mentions = [], [], []
    # On the edges of "a week"'s span-class bounds: each class's longest event that ends on its
    # first day, and one a day earlier, which misses it.
    edges = [
        (EDGE_DAY - timedelta(days=span + early), span)
        for span in SPAN_CLASS_BOUNDS
        for early in (0, 1)
    ]
    for number in range(300 + len(edges)):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(5 * 365))
        end = start + timedelta(days=rng.choice(SPANS))
        if number >= 300:
            start, span = edges[number - 300]
            end = start + timedelta(days=span)
        title = f"Talks {number}" + (" on a ceasefire" if number % 4 == 0 else "")
        category = rng.choice(("talks", "statement"))
        updated_at = BEGINNING + timedelta(minutes=rng.randrange(500_000))
        events.append(
            event_row(title, "Delegations met.", category, start, end, BEGINNING, updated_at)
        )
        event_id = events[-1]["id"]
        entities.append(actor_row(event_id, rng.choice(("Ukraine", "Russia"))))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            created_at = BEGINNING + timedelta(minutes=rng.randrange(500_000))
            mentions.append(
                mention_row(event_id, article_id, "Talks opened today.", start, end, created_at)
            )
    insert_archive(client.app.state.engine, article_id, BEGINNING, events, entities, mentions)
    actors = {entity["event_id"]: entity["name"] for entity in entities}
    return {"events": events, "mentions": mentions, "actors": actors}


def _expected(archive: dict, filters: EventFilters) -> tuple:
    """The fingerprint computed in Python from the rows inserted."""

    def matches(event: dict) -> bool:
        return (
            (filters.date_to is None or event["date_start"] <= filters.date_to)
            and (filters.date_from is None or event["date_end"] >= filters.date_from)
            and (filters.category is None or event["category"] == filters.category)
            and (filters.actor is None or archive["actors"][event["id"]] == filters.actor)
        )

    matching = {event["id"]: event for event in archive["events"] if matches(event)}
    backing = [mention for mention in archive["mentions"] if mention["event_id"] in matching]
    return (
        len(matching),
        max((event["updated_at"] for event in matching.values()), default=None),
        len(backing),
        max((mention["created_at"] for mention in backing), default=None),
    )


def _plain(session: Session, filters: EventFilters) -> tuple:
    """The fingerprint as two plain aggregates over the matching rows (what the indexes and the
    span-class slices must not change)."""
    conditions = repository._conditions(filters)
    events = session.execute(
        select(func.count(), func.max(Event.updated_at)).where(*conditions)
    ).one()
    backing = aliased(Mention)
    mentions = session.execute(
        select(func.count(), func.max(backing.created_at))
        .join(Event, Event.id == backing.event_id)
        .where(*conditions)
    ).one()
    return (*events, *mentions)


DATED = {
    "all": EventFilters(),
    "a week": EventFilters(date_from=EDGE_DAY, date_to=EDGE_DAY + timedelta(days=6)),
    "a year": EventFilters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31)),
    "from": EventFilters(date_from=date(2023, 6, 1)),
    "to": EventFilters(date_to=date(2020, 2, 29)),
    "from the first year": EventFilters(date_from=date(1, 1, 2)),
    "before any event": EventFilters(date_from=date(2000, 1, 1), date_to=date(2000, 12, 31)),
    "actor": EventFilters(actor="Ukraine"),
    "actor and a year": EventFilters(
        actor="Russia", date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)
    ),
    "category and from": EventFilters(category="talks", date_from=date(2021, 7, 15)),
}


@pytest.mark.parametrize("case", list(DATED))
def test_the_fingerprint_counts_exactly_what_matches(client, archive, case):
    filters = DATED[case]
    with Session(client.app.state.engine) as session:
        found = repository.fingerprint(session, filters)
    assert found == _expected(archive, filters)
    if case != "before any event":
        assert found[0] > 0 and found[2] > 0  # the case means something on this archive


@pytest.mark.parametrize(
    "filters",
    [
        EventFilters(q="ceasefire"),
        EventFilters(q="ceasefire", date_from=date(2021, 1, 1), date_to=date(2022, 6, 30)),
    ],
    ids=["q", "q and a range"],
)
def test_the_fingerprint_with_a_word_equals_the_plain_aggregates(client, archive, filters):
    with Session(client.app.state.engine) as session:
        found = repository.fingerprint(session, filters)
        assert found == _plain(session, filters)
    assert 0 < found[0] < len(archive["events"])


def test_a_change_to_one_event_or_mention_changes_its_fingerprint(client, archive):
    week = DATED["a week"]
    inside = [
        event["id"]
        for event in archive["events"]
        if event["date_start"] <= week.date_to and event["date_end"] >= week.date_from
    ]
    with Session(client.app.state.engine) as session:
        before = repository.fingerprint(session, week)
        session.execute(
            update(Event)
            .where(Event.id == inside[0])
            .values(updated_at=datetime(2030, 1, 1, tzinfo=UTC))
        )
        session.commit()
        edited = repository.fingerprint(session, week)
        session.execute(delete(Mention).where(Mention.event_id.in_(inside)))
        session.commit()
        unbacked = repository.fingerprint(session, week)
    assert edited[1] == datetime(2030, 1, 1, tzinfo=UTC) and edited[2:] == before[2:]
    assert unbacked[:2] == edited[:2] and unbacked[2:] == (0, None) != before[2:]


@pytest.mark.parametrize("case", ["all", "a week", "a year", "from", "actor and a year"])
def test_on_sqlite_the_fingerprint_reads_no_event_or_mention_rows(client, archive, case):
    engine = client.app.state.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plans; PostgreSQL chooses index-only scans by its statistics")
    with Session(engine) as session, captured_statements(engine) as statements:
        repository.fingerprint(session, DATED[case])
    assert len(statements) == 2  # one statement for the events, one for their mentions
    with engine.connect() as connection:
        for statement, parameters in statements:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            for row in rows:
                step = str(row[-1])
                # Every read of events or mentions comes from an index holding what it needs
                # (the actor filter reads event_entities, a table of keys only).
                if " events" in step or " mentions" in step:
                    assert "COVERING INDEX" in step, (step, statement)
