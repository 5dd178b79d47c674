from __future__ import annotations

import pytest


@pytest.fixture
def ws(sqlite_ws):
    """CLI tests drive files through subprocesses; the services under them are tested on both engines."""
    return sqlite_ws


@pytest.fixture
def demo_ws(sqlite_demo_ws):
    return sqlite_demo_ws
