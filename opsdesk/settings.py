"""Every user setting with its default, in one place.

The GUI persists these with QSettings (INI format) and the CLI reads the same defaults; a schema version lets a
later release upgrade stored values.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    )
}


def default(key: str) -> object:
    return OPTIONS[key].default
