"""`q` answered two ways: a common word walks the date index and tests each event against the
full-text index, a rare one looks up its matches and sorts them (app.events.search). Both ways
give the same pages, in both orders, with every other filter, page after page; and the plan
chosen for a common word reads the date index in order on both databases."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.events import repository, service
from app.events.repository import EventFilters
from app.events.search import walk_pays
from tests.archive_rows import actor_row, event_row, insert_archive, mention_row
from tests.statements import captured_statements

COMMON = "ceasefire"  # in about half the events, some only through a mention's sentence
RARE = "bulletin 4711"  # in two events
SPANS = (0, 0, 0, 0, 3, 6, 7, 20, 31, 60, 93, 200, 366, 400, 1000)
NOW = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)


@pytest.fixture
def archive(client) -> list[dict]:
    """400 events over six years, of every span class, some sharing a start day; the common
    word in the title of some, in the description of others, in a mention's sentence only of
    others; every event backed by one mention of one article."""
    rng = random.Random(11)
    article_id = uuid.uuid4()
    events, entities, mentions = [], [], []
    for number in range(400):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(6 * 365))
        if number % 9 == 0 and events:
            start = events[-1]["date_start"]  # ties on the day: the id decides the order
        end = start + timedelta(days=rng.choice(SPANS))
        where = rng.choice(("title", "description", "sentence", None, None, None))
        bulletin = 4711 if number in (17, 300) else number
        title = f"Talks {number}" + (f" on a {COMMON}" if where == "title" else "")
        # "plan" and "agreed" (below) are each common and never in the same event.
        title += "" if where == "description" else " plan"
        description = f"Delegations met, bulletin {bulletin}" + (
            f", {COMMON} agreed" if where == "description" else ""
        )
        sentence = f"Report {number}" + (f" of a {COMMON} offer" if where == "sentence" else "")
        category = rng.choice(("talks", "statement"))
        events.append(event_row(title, description, category, start, end, NOW, NOW))
        event_id = events[-1]["id"]
        entities.append(actor_row(event_id, rng.choice(("Ukraine", "Russia"))))
        mentions.append(mention_row(event_id, article_id, sentence, start, end, NOW))
    engine = client.app.state.engine
    insert_archive(engine, article_id, NOW, events, entities, mentions)
    if engine.dialect.name == "postgresql":
        # The planner's word statistics, which autovacuum would gather on a real archive.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE events, mentions"))
    return [{**e, "sentence": m["sentence"]} for e, m in zip(events, mentions, strict=True)]


def _pages(client, filters: EventFilters, limit: int, descending: bool) -> list[str]:
    """Every page through the service, following its cursor."""
    seen, cursor = [], None
    with Session(client.app.state.engine) as session:
        while True:
            page = orjson.loads(
                service.list_events(
                    session, filters=filters, limit=limit, cursor=cursor, descending=descending
                )
            )
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen


def _forced(monkeypatch, walk: bool) -> None:
    monkeypatch.setattr(repository, "walk_pays", lambda *_args: walk)


CASES = {
    "word": EventFilters(q=COMMON),
    "range": EventFilters(q=COMMON, date_from=date(2021, 3, 1), date_to=date(2022, 8, 31)),
    "from": EventFilters(q=COMMON, date_from=date(2023, 6, 1)),
    "to": EventFilters(q=COMMON, date_to=date(2020, 12, 31)),
    "actor and category": EventFilters(q=COMMON, actor="Ukraine", category="talks"),
    "two words": EventFilters(q=f"{COMMON} talks"),
    "rare": EventFilters(q=RARE),
}


@pytest.mark.parametrize("descending", [False, True], ids=["date", "-date"])
@pytest.mark.parametrize("case", list(CASES))
def test_walking_and_looking_up_give_the_same_pages(client, archive, monkeypatch, case, descending):
    filters = CASES[case]
    _forced(monkeypatch, walk=True)
    walked = _pages(client, filters, limit=7, descending=descending)
    _forced(monkeypatch, walk=False)
    looked_up = _pages(client, filters, limit=7, descending=descending)
    assert walked == looked_up
    assert walked, "the case should find events"


def test_a_common_word_finds_what_a_plain_filter_finds(client, archive, monkeypatch):
    _forced(monkeypatch, walk=True)
    for descending in (False, True):
        expected = sorted(
            (
                e
                for e in archive
                if COMMON in f"{e['title']} {e['description']} {e['sentence']}"
                and e["date_end"] >= date(2021, 3, 1)
            ),
            key=lambda e: (e["date_start"], e["id"]),
            reverse=descending,
        )
        filters = EventFilters(q=COMMON, date_from=date(2021, 3, 1))
        found = _pages(client, filters, limit=9, descending=descending)
        assert found == [str(e["id"]) for e in expected]


def test_the_plan_follows_how_many_events_match(client, archive):
    with Session(client.app.state.engine) as session:
        assert walk_pays(session, COMMON, 5)
        assert not walk_pays(session, RARE, 5)
        assert not walk_pays(session, "nowhere", 5)
        # In five events of six and in one of six, never together: counted, not guessed from
        # their shares (which would make them one event in seven).
        assert walk_pays(session, "plan", 1)
        assert not walk_pays(session, "plan agreed", 1)
        # A page as long as the archive is cheaper read from the matches.
        assert not walk_pays(session, COMMON, 400)


def _page_plan(client, filters: EventFilters, descending: bool) -> tuple[str, str]:
    """The page statement `list_events` runs for `filters` (limit 5), and its plan."""
    engine = client.app.state.engine
    with Session(engine) as session, captured_statements(engine) as statements:
        repository.list_events(session, filters=filters, limit=5, descending=descending)
    statement, parameters = next(
        (s, p) for s, p in statements if "ORDER BY" in s and "EXPLAIN" not in s
    )
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
    return statement, "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("descending", [False, True], ids=["date", "-date"])
def test_a_common_word_reads_the_date_index_in_order(client, archive, descending):
    sqlite = client.app.state.engine.dialect.name == "sqlite"
    _, plan = _page_plan(client, EventFilters(q=COMMON), descending)
    # In (date_start, id) order, each event tested: no sort of the matches.
    if sqlite:
        assert "INDEX ix_events_date_start_id" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        assert "VIRTUAL TABLE INDEX 0:=M" in plan, plan  # FTS5 probed by rowid and MATCH
        # From an event to its mentions' keys through an index alone: no mention row is read.
        assert "SEARCH search_mentions USING COVERING INDEX" in plan, plan
    else:
        assert "Index Scan" in plan and "using ix_events_date_start_id" in plan, plan
        assert "Sort" not in plan and "Bitmap Heap Scan on events " not in plan, plan
        assert "ix_mentions_search" not in plan, plan
        # Each event tested by its stored vectors, read through their index.
        assert "ix_events_search_vectors_event_id" in plan, plan
    # Other filters are tested on the walked rows too, the category's index left alone.
    _, plan = _page_plan(client, EventFilters(q=COMMON, category="talks"), descending)
    assert "ix_events_date_start_id" in plan and "ix_events_category" not in plan, plan
    # With a date range: each span class's slice of its index, in order.
    ranged = EventFilters(q=COMMON, date_from=date(2021, 3, 1), date_to=date(2022, 8, 31))
    _, plan = _page_plan(client, ranged, descending)
    assert "ix_events_span_class_date_start_id_date_end" in plan, plan
    if sqlite:
        assert "VIRTUAL TABLE INDEX 0:M" not in plan, plan
        # The classes merged as they are read: the one sort is of the page's own rows.
        assert plan.count("TEMP B-TREE") == 1, plan
    else:
        assert "Merge Append" in plan and "Bitmap Heap Scan on events " not in plan, plan


@pytest.mark.parametrize("dates", [{}, {"date_from": date(2019, 1, 1)}], ids=["all", "from"])
def test_a_rare_word_looks_up_its_matches(client, archive, dates):
    statement, plan = _page_plan(client, EventFilters(q=RARE, **dates), descending=False)
    # The matches drive the page, dates tested on their rows: no span class's range is read.
    assert "span_class" not in statement, statement
    if client.app.state.engine.dialect.name == "sqlite":
        assert "SCAN events_search VIRTUAL TABLE INDEX 0:M" in plan, plan
    else:
        # Which index reads a few hundred rows best is the planner's call; the statement is the
        # lookup of every match, not the per-event test.
        assert "UNION SELECT event_id FROM mentions" in statement, statement
        assert "OFFSET 0" not in statement, statement
