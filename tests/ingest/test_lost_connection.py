"""A PostgreSQL connection lost in the middle of an import (the server restarted, an administrator ended the
session) ends in one plain line, the import rolled back, and the workspace usable again."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.errors import WorkspaceError
from opsdesk.services.imports import runs as imports
from opsdesk.services.workspace import lifecycle as workspace
from tests import pg
from tests.ingest.conftest import workspace_state

pytestmark = pytest.mark.postgres


class KillDuringWrite:
    """Progress that ends the import's server session once writing has begun."""

    def __init__(self, dbname: str) -> None:
        self.dbname = dbname
        self.killed = False

    def progress(self, done: int, total: int, text: str = "") -> None:
        if text.startswith("Writing") and not self.killed:
            self.killed = True
            pg.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.dbname}' "
                     "AND pid <> pg_backend_pid()")

    @property
    def cancelled(self) -> bool:
        return False


@pytest.fixture
def pg_ws(pg_empty_template):
    name = pg.new_database(template=pg_empty_template)
    w = workspace.open_workspace(pg.url_for(name), actor="tester")
    yield name, w
    w.close()
    pg.drop_database(name)


def test_lost_connection_mid_import_is_one_line_and_rolls_back(pg_ws, tmp_path: Path):
    name, ws = pg_ws
    rows = "\n".join(f"2026-01-01T00:{m // 60:02d}:{m % 60:02d}Z,Queue length,{m},count" for m in range(3600))
    path = tmp_path / "metrics.csv"
    path.write_text("timestamp,metric,value,unit\n" + rows + "\n")
    plan = imports.preview(ws, [path])
    before = workspace_state(ws)
    killer = KillDuringWrite(name)
    with pytest.raises(WorkspaceError) as caught:
        imports.commit(ws, plan, progress=killer)
    assert killer.killed
    message = str(caught.value)
    assert "\n" not in message and "connection to the workspace database was lost" in message
    assert "Traceback" not in message and "sqlalche.me" not in message
    assert workspace_state(ws) == before, "nothing of the import was kept"
    report = imports.import_paths(ws, [path])  # the workspace reconnects and the same import now goes through
    assert report.committed and report.accepted == 3600


def test_lost_connection_through_the_cli_exits_2_with_one_line(pg_ws, tmp_path: Path, monkeypatch, capsys):
    from opsdesk import cli

    name, ws = pg_ws
    path = tmp_path / "metrics.csv"
    path.write_text("timestamp,metric,value,unit\n2026-01-01T00:00:00Z,Queue length,3,count\n")
    from opsdesk.store import queries

    real_write = queries.bulk_upsert_point_columns

    def write_after_the_session_ended(*args, **kwargs):
        pg.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
                 "AND pid <> pg_backend_pid()")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(queries, "bulk_upsert_point_columns", write_after_the_session_ended)
    code = cli.main(["import", "--database-url", pg.url_for(name), str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "connection to the workspace database was lost" in err
