"""The same workspace on a shared PostgreSQL server: switch, migrations, many clients, moving up and down,
read-only observers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from opsdesk.errors import ConflictError, ReadOnlyError, WorkspaceError
from opsdesk.services.exchange import transfer
from opsdesk.services.registry import initiatives, metrics
from opsdesk.services.workspace import lifecycle
from opsdesk.store import audit
from opsdesk.store.migrate import MIGRATIONS_DIR
from tests import pg

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_db():
    pg.require_server()
    name = pg.new_database()
    yield name
    pg.drop_database(name)


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "opsdesk", *args], capture_output=True, text=True, timeout=300,
                       cwd=ROOT, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_cli_accepts_a_database_url_everywhere(pg_db):
    url = pg.url_for(pg_db)
    run_cli("init", "--database-url", url, "--name", "Shared committee")
    assert json.loads(run_cli("initiatives", "list", "--json", "--database-url", url).stdout) == []
    assert run_cli("verify", "--database-url", url).returncode == 0
    r = subprocess.run([sys.executable, "-m", "opsdesk", "initiatives", "list", "--json"], capture_output=True,
                       text=True, cwd=ROOT, env=os.environ | {"OPSDESK_DATABASE_URL": url}, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout) == []


def test_password_in_the_url_is_refused_and_not_echoed():
    r = run_cli("initiatives", "list", "--database-url",
                "postgresql+psycopg://alice:s3cr3t-pw@127.0.0.1/test", check=False)
    assert r.returncode == 2
    assert "passfile" in r.stderr and "s3cr3t-pw" not in r.stderr + r.stdout


def _scripts_with_new_revision(tmp_path: Path) -> Path:
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts)
    versions = sorted(p.stem.split("_")[0] for p in (scripts / "versions").glob("*.py"))
    head = versions[-1]
    (scripts / "versions" / "9998_extra.py").write_text(textwrap.dedent(f'''
        from alembic import op
        import sqlalchemy as sa

        revision = "9998"
        down_revision = "{head}"
        branch_labels = None
        depends_on = None


        def upgrade():
            op.create_table("extra_notes", sa.Column("id", sa.Integer, primary_key=True))


        def downgrade():
            op.drop_table("extra_notes")
    '''))
    return scripts


def test_server_upgrade_needs_a_backup(pg_db, tmp_path, monkeypatch):
    url = pg.url_for(pg_db)
    lifecycle.create(url, organisation="Shared").close()
    scripts = _scripts_with_new_revision(tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no pg_dump on this workstation
    with pytest.raises(WorkspaceError, match="--i-have-a-backup"):
        lifecycle.open_workspace(url, migrations=scripts)
    w = lifecycle.open_workspace(url, migrations=scripts, i_have_a_backup=True)
    assert audit.verify(w).ok
    w.close()


def test_server_upgrade_runs_pg_dump_when_available(pg_db, tmp_path):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    url = pg.url_for(pg_db)
    lifecycle.create(url, organisation="Shared").close()
    w = lifecycle.open_workspace(url, migrations=_scripts_with_new_revision(tmp_path))
    w.close()
    dumps = list(Path(os.environ["OPSDESK_DATA_DIR"]).glob(f"pg-{pg_db}-*.dump"))
    assert dumps and dumps[0].stat().st_size > 0


def test_second_save_of_the_same_record_is_refused_and_says_what_changed(pg_db):
    url = pg.url_for(pg_db)
    ws = lifecycle.create(url, organisation="Shared", actor="alice")
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "budget": "100"})
    bob = lifecycle.open_workspace(url, actor="bob")
    seen_by_alice = initiatives.get(ws, "AI-0001")
    seen_by_bob = initiatives.get(bob, "AI-0001")
    initiatives.update(bob, "AI-0001", {"name": "Claims triage"}, expected_version=seen_by_bob.version)
    with pytest.raises(ConflictError) as info:
        initiatives.update(ws, "AI-0001", {"budget": "200"}, expected_version=seen_by_alice.version)
    message = str(info.value)
    assert "bob" in message and "'Triage' → 'Claims triage'" in message
    final = initiatives.get(ws, "AI-0001")
    assert final.name == "Claims triage" and final.budget == Decimal("100")
    assert audit.verify(ws).ok
    ws.close()
    bob.close()


def test_four_processes_editing_at_once_lose_nothing(pg_db):
    url = pg.url_for(pg_db)
    ws = lifecycle.create(url, organisation="Shared")
    initiatives.create(ws, {"code": "AI-0001", "name": "Shared record", "budget": "0"})
    series = metrics.create_series(ws, {"discipline": "dataops", "name": "Rows loaded"}, initiative_code="AI-0001")
    edits = 200
    procs = [subprocess.Popen([sys.executable, "-m", "tests.concurrency_worker", url, str(edits), str(n),
                               str(series.id)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(4)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["applied"] for r in results) == 4 * edits
    assert initiatives.get(ws, "AI-0001").budget == Decimal(4 * edits), "an update was lost"
    assert metrics.point_count(ws) == sum(r["imports"] for r in results) * 50
    report = audit.verify(ws)
    assert report.ok, report.reason
    updates = [h for h in audit.history(ws, "initiative", "AI-0001", limit=10_000) if h.action == "update"]
    assert len(updates) == 4 * edits
    print("conflicts reported:", sum(r["conflicts"] for r in results))
    ws.close()


def test_migrate_file_to_server_and_back(demo_path, pg_db, tmp_path):
    url = pg.url_for(pg_db)
    up = transfer.copy_workspace(str(demo_path), url)
    assert up.chain_ok and up.rows["metric_point"] > 100_000 // 2
    back = tmp_path / "back.opsdesk"
    down = transfer.copy_workspace(url, str(back))
    assert down.chain_ok
    assert {k: v for k, v in down.rows.items() if k != "audit_event"} == \
        {k: v for k, v in up.rows.items() if k != "audit_event"}
    a = lifecycle.open_workspace(demo_path)
    b = lifecycle.open_workspace(back)
    assert initiatives.list_rows(a) == [r for r in initiatives.list_rows(b)]
    assert audit.verify(b).ok and audit.count(b) == audit.count(a) + 2  # one event per move
    a.close()
    b.close()
    with pytest.raises(WorkspaceError, match="already holds"):
        transfer.copy_workspace(str(demo_path), url)


def _login_role(pg_db: str, kind: str):
    """A login role for one test, dropped with whatever it was granted."""
    role = f"{kind}_{pg_db[-8:]}"
    pg.admin(f'CREATE ROLE "{role}" LOGIN')
    yield role
    import psycopg

    with psycopg.connect(f"dbname={pg_db} host=127.0.0.1 user=postgres", autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}"')
    pg.admin(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def reader_role(pg_db):
    yield from _login_role(pg_db, "reader")


def test_read_only_role_opens_read_only(pg_db, reader_role):
    url = pg.url_for(pg_db)
    ws = lifecycle.create(url, organisation="Shared")
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    ws.close()
    import psycopg

    with psycopg.connect(f"dbname={pg_db} host=127.0.0.1 user=postgres", autocommit=True) as conn:
        conn.execute(f'GRANT USAGE ON SCHEMA public TO "{reader_role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{reader_role}"')
    observer = lifecycle.open_workspace(pg.url_for(pg_db, user=reader_role))
    assert observer.read_only and "only read" in observer.read_only_reason
    assert [r.code for r in initiatives.list_rows(observer)] == ["AI-0001"]
    with pytest.raises(ReadOnlyError, match="only read"):
        initiatives.update(observer, "AI-0001", {"name": "x"})
    observer.close()


def test_tampering_on_the_server_is_detected(pg_db):
    url = pg.url_for(pg_db)
    ws = lifecycle.create(url, organisation="Shared")
    for i in range(1, 4):
        initiatives.create(ws, {"code": f"AI-000{i}", "name": f"I{i}"})
    pg_conn = f"dbname={pg_db} host=127.0.0.1 user=postgres"
    import psycopg

    with psycopg.connect(pg_conn, autocommit=True) as conn:
        conn.execute("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
    report = audit.verify(ws)
    assert report.broken_seq == 2
    ws.close()


@pytest.fixture
def writer_role(pg_db):
    yield from _login_role(pg_db, "writer")


def test_roles_granted_before_an_upgrade_keep_their_rights_on_the_new_tables(pg_db, reader_role, writer_role):
    """GRANT ... ON ALL TABLES reaches only the tables that exist: the upgrade that adds the data version and the
    dashboard summary gives each role on them what it had on the audit trail."""
    import psycopg
    from alembic import command
    from sqlalchemy import create_engine

    from opsdesk.analytics import summary
    from opsdesk.store import migrate

    url = pg.url_for(pg_db)
    ws = lifecycle.create(url, organisation="Shared")
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    ws.close()
    engine = create_engine(url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:  # the schema as OpsDesk 0.8 left it
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0801")
    engine.dispose()
    with psycopg.connect(f"dbname={pg_db} host=127.0.0.1 user=postgres", autocommit=True) as conn:
        for role, rights in ((reader_role, "SELECT"), (writer_role, "SELECT, INSERT, UPDATE, DELETE")):
            conn.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
            conn.execute(f'GRANT {rights} ON ALL TABLES IN SCHEMA public TO "{role}"')
        conn.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{writer_role}"')
    lifecycle.open_workspace(url, i_have_a_backup=True).close()  # the upgrade, by the owner

    writer = lifecycle.open_workspace(pg.url_for(pg_db, user=writer_role))
    assert not writer.read_only
    initiatives.update(writer, "AI-0001", {"name": "Triage, renamed"})  # counts a write in data_version
    assert "kpis" in summary.load(writer).seconds and summary.count(writer) == 1
    writer.close()
    observer = lifecycle.open_workspace(pg.url_for(pg_db, user=reader_role))
    assert observer.read_only
    data = summary.load(observer)
    assert set(data.seconds) == {"summary"} and ("AI-0001", "Triage, renamed") in data.initiatives
    observer.close()
