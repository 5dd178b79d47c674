from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_DATA

DATA = TEST_DATA


def workspace_state(ws) -> dict[str, int]:
    """Row counts of every table plus the audit sequence: equal before and after means nothing was written."""
    from opsdesk.store.base import Base

    with ws.read() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


@pytest.fixture
def ws2(ws):
    """An empty workspace with two initiatives."""
    from opsdesk.services.registry import initiatives

    initiatives.create(ws, {"code": "AI-0001", "name": "Claims triage"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Fraud detection"})
    return ws


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path
