"""File ▸ Connect to server… opens a shared PostgreSQL workspace; a read-only role gets a read-only window."""

from __future__ import annotations

import pytest

from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import lifecycle
from tests import pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def server_db():
    pg.require_server()
    name = pg.new_database()
    ws = lifecycle.create(pg.url_for(name), organisation="Shared Committee", actor="tester")
    initiatives.create(ws, {"code": "AI-0001", "name": "Shared triage", "classification": "OFFICIAL-SENSITIVE"})
    ws.close()
    yield name
    pg.drop_database(name)


def _open_from(window, qtbot, url):
    assert "connect_server" in window.actions_
    window.connect_server(url)
    qtbot.waitUntil(lambda: window.replaced_by is not None, timeout=30_000)
    new = window.replaced_by
    qtbot.addWidget(new)
    new.settle()
    return new


def test_connect_to_server_opens_the_shared_workspace(window, qtbot, server_db):
    new = _open_from(window, qtbot, pg.url_for(server_db))
    assert "Shared Committee" in new.windowTitle() and "read-only" not in new.windowTitle()
    page = new.go_to("initiatives")
    new.settle()
    assert page.register.current() is None or page.register.current().code == "AI-0001"
    assert new.actions_.get("new").isEnabled()
    new.close()  # the window owns the workspace and closes it


def test_read_only_role_gets_a_read_only_window(window, qtbot, server_db):
    role = f"observer_{server_db[-8:]}"
    pg.admin(f'CREATE ROLE "{role}" LOGIN')
    import psycopg

    with psycopg.connect(f"dbname={server_db} host=127.0.0.1 user=postgres", autocommit=True) as conn:
        conn.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    try:
        new = _open_from(window, qtbot, pg.url_for(server_db, user=role))
        assert new.windowTitle().endswith("read-only")
        assert "only read" in new.statusBar().currentMessage() or "read-only" in new.ws_label.text()
        for key in ("new", "delete", "import"):
            assert not new.actions_.get(key).isEnabled(), key
        new.close()
    finally:
        with psycopg.connect(f"dbname={server_db} host=127.0.0.1 user=postgres", autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
        pg.admin(f'DROP ROLE IF EXISTS "{role}"')
