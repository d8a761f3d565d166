"""The SQL an engine sends, captured: for tests that count statements or explain them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextlib.contextmanager
def captured_statements(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """Every (statement, parameters) the engine sends to the database inside the block."""
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)
