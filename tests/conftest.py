"""Shared fixtures: every test gets its own workspace file and data folder; Qt runs offscreen."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("OPSDESK_DATA_DIR", str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "data"))

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_DATA_DIR", str(tmp_path / "userdata"))
    monkeypatch.delenv("OPSDESK_WORKSPACE", raising=False)


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def sqlite_ws(tmp_path: Path):
    """An empty workspace in a SQLite file (for tests about the file itself)."""
    from opsdesk.services.workspace import lifecycle

    w = lifecycle.create(tmp_path / "test.opsdesk", organisation="Test Org", actor="tester")
    yield w
    w.close()


@pytest.fixture(scope="session")
def pg_empty_template():
    """An empty workspace on PostgreSQL, built once and copied for each test."""
    from opsdesk.services.workspace import lifecycle
    from tests import pg

    pg.require_server()
    name = pg.new_database()
    lifecycle.create(pg.url_for(name), organisation="Test Org", actor="tester").close()
    yield name
    pg.drop_database(name)


@pytest.fixture(params=ENGINES)
def ws(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty workspace, once on SQLite and once on PostgreSQL."""
    from opsdesk.services.workspace import lifecycle

    if request.param == "sqlite":
        w = lifecycle.create(tmp_path / "test.opsdesk", organisation="Test Org", actor="tester")
        yield w
        w.close()
        return
    from tests import pg

    name = pg.new_database(template=request.getfixturevalue("pg_empty_template"))
    w = lifecycle.open_workspace(pg.url_for(name), actor="tester")
    yield w
    w.close()
    pg.drop_database(name)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsdesk.services import demo

    return demo.build(tmp_path_factory.mktemp("demo") / "demo.opsdesk")


@pytest.fixture(scope="session")
def pg_demo_template():
    from opsdesk.services import demo
    from tests import pg

    pg.require_server()
    name = pg.new_database()
    demo.build(pg.url_for(name))
    yield name
    pg.drop_database(name)


@pytest.fixture
def demo_path(demo_file: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workspace file, so a test may change it."""
    target = tmp_path / "demo.opsdesk"
    shutil.copyfile(demo_file, target)
    return target


@pytest.fixture
def sqlite_demo_ws(demo_path: Path):
    from opsdesk.services.workspace import lifecycle

    w = lifecycle.open_workspace(demo_path, actor="tester")
    yield w
    w.close()


@pytest.fixture(params=ENGINES)
def demo_ws(request: pytest.FixtureRequest, tmp_path: Path):
    """A private copy of the demo workspace, once on SQLite and once on PostgreSQL."""
    from opsdesk.services.workspace import lifecycle

    if request.param == "sqlite":
        target = tmp_path / "demo.opsdesk"
        shutil.copyfile(request.getfixturevalue("demo_file"), target)
        w = lifecycle.open_workspace(target, actor="tester")
        yield w
        w.close()
        return
    from tests import pg

    name = pg.new_database(template=request.getfixturevalue("pg_demo_template"))
    w = lifecycle.open_workspace(pg.url_for(name), actor="tester")
    yield w
    w.close()
    pg.drop_database(name)
