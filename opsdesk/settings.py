"""Every user setting with its default, in one place.

The GUI persists these with QSettings (INI format) and the CLI reads the same defaults; a schema version lets a
later release upgrade stored values.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Option:
    key: str
    default: object
    doc: str


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("workspace/recent", [], "Recently opened workspaces, newest first."),
        Option("workspace/recent_max", 8, "How many recent workspaces the File menu lists."),
        Option("workspace/backups_to_keep", 5, "Automatic backups kept next to a workspace when it is opened."),
        Option("window/geometry", b"", "Main window geometry."),
        Option("window/state", b"", "Main window toolbars and docks."),
        Option("window/splitters", {}, "Splitter states per page."),
        Option("ui/theme", "system", "system, light or dark."),
        Option("user/actor", "", "Name written into the audit trail; defaults to the login name."),
        Option("storage/durability", "normal",
               "How workspace files on this machine commit: 'normal' (WAL with synchronous=NORMAL: a power loss "
               "may lose the last commits, never corrupts) or 'full' (synchronous=FULL: every commit is on disk "
               "when the action returns, at a cost per edit)."),
    )
}


def default(key: str) -> object:
    return OPTIONS[key].default


# --- settings of this machine that the CLI honours too ----------------------------------------------------------
# The GUI keeps its own options in QSettings; what every process on the workstation must agree on (how workspace
# files commit) lives in one small JSON file in the user data folder, read by the CLI and the GUI alike.

DURABILITY_CHOICES = ("normal", "full")
MACHINE_FILE = "settings.json"


def _machine_file() -> Path:
    from opsdesk import paths

    return paths.user_data_dir() / MACHINE_FILE


def _machine_values() -> dict[str, object]:
    try:
        doc = json.loads(_machine_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def machine_value(key: str) -> object:
    """A machine setting: as stored, else its default."""
    return _machine_values().get(key, default(key))


def set_machine_value(key: str, value: object) -> None:
    """Store a machine setting (atomically: a reader never sees half a file)."""
    if key not in OPTIONS:
        raise KeyError(key)
    values = _machine_values() | {key: value}
    target = _machine_file()
    part = target.with_name(target.name + ".part")
    part.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(part, target)


def durability() -> str:
    """'normal' or 'full' (an unreadable stored value counts as the default)."""
    value = str(machine_value("storage/durability")).lower()
    return value if value in DURABILITY_CHOICES else str(default("storage/durability"))


def set_durability(value: str) -> None:
    choice = value.strip().lower()
    if choice not in DURABILITY_CHOICES:
        raise ValueError(f"durability is one of {', '.join(DURABILITY_CHOICES)}, not '{value}'")
    set_machine_value("storage/durability", choice)
