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


@pytest.fixture
def ws(tmp_path: Path):
    from opsdesk.services import workspace

    w = workspace.create(tmp_path / "test.opsdesk", organisation="Test Org", actor="tester")
    yield w
    w.close()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsdesk.services import demo

    return demo.build(tmp_path_factory.mktemp("demo") / "demo.opsdesk")


@pytest.fixture
def demo_path(demo_file: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workspace, so a test may change it."""
    target = tmp_path / "demo.opsdesk"
    shutil.copyfile(demo_file, target)
    return target


@pytest.fixture
def demo_ws(demo_path: Path):
    from opsdesk.services import workspace

    w = workspace.open_workspace(demo_path, actor="tester")
    yield w
    w.close()
