"""Health probes and the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_ok_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == client.app.state.migration_head


def test_readyz_503_when_not_migrated(client, database_url):
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "timeline migrate" in response.json()["detail"]
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :head"),
                {"head": client.app.state.migration_head},
            )
        engine.dispose()


def test_openapi_describes_every_contract_path(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, methods in {
        "/v1/articles": {"get", "post"},
        "/v1/articles/{article_id}": {"get", "delete"},
        "/v1/events": {"get", "post"},
        "/v1/events/{event_id}": {"get", "patch", "delete"},
        "/v1/resolve": {"post"},
        "/healthz": {"get"},
        "/readyz": {"get"},
    }.items():
        assert methods <= paths[path].keys(), path
    assert client.get("/docs").status_code == 200
