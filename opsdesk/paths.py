"""Where OpsDesk keeps its files: user data folder, logs, bundled resources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "OpsDesk"
APP_AUTHOR = "OpsDesk"
WORKSPACE_SUFFIX = ".opsdesk"


def _platformdirs():
    import platformdirs

    return platformdirs


def user_data_dir() -> Path:
    override = os.environ.get("OPSDESK_DATA_DIR")
    if override:
        path = Path(override)
    else:
        path = Path(_platformdirs().user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_cache_dir() -> Path:
    """Files OpsDesk can always rebuild (the display check's last pass); not created here."""
    override = os.environ.get("OPSDESK_DATA_DIR")
    if override:
        return Path(override) / "cache"
    return Path(_platformdirs().user_cache_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    path = user_data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_workspace() -> Path:
    return user_data_dir() / f"workspace{WORKSPACE_SUFFIX}"


def demo_workspace() -> Path:
    return user_data_dir() / f"demo{WORKSPACE_SUFFIX}"


def resources_dir() -> Path:
    """The bundled ``resources/`` folder, in a source checkout or a PyInstaller bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    # a wheel installs them as data files (pyproject: [tool.setuptools.data-files])
    return Path(sys.prefix) / "share" / "opsdesk" / "resources"
