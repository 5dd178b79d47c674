"""The starter library: ready-made standards shipped as data files in ``resources/standards/``.

Each file names its source. Adopting one creates an ordinary standard (with its requirements) that the committee
can then edit or supersede like any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsdesk import paths
from opsdesk.domain.enums import StandardCategory, StandardStatus
from opsdesk.errors import NotFoundError, ValidationError
from opsdesk.services.standards import catalog
from opsdesk.store.workspace import Workspace


@dataclass(frozen=True)
class LibraryStandard:
    key: str
    code: str
    title: str
    category: StandardCategory
    version_label: str
    source: str
    requirement_count: int
    file: Path


def library_dir() -> Path:
    return paths.resources_dir() / "standards"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def list_library() -> list[LibraryStandard]:
    out = []
    for path in sorted(library_dir().glob("*.json")):
        d = _load(path)
        out.append(LibraryStandard(d["library_key"], d["code"], d["title"], StandardCategory.parse(d["category"]),
                                   d["version_label"], d["source"], len(d["requirements"]), path))
    return out


def library_entry(key: str) -> dict[str, Any]:
    for item in list_library():
        if item.key == key or item.code == key:
            return _load(item.file)
    raise NotFoundError("library standard", key)


def adopt(ws: Workspace, key: str, *, status: StandardStatus | str = StandardStatus.ADOPTED,
          owner: str | None = None) -> catalog.StandardDTO:
    """Create the library standard ``key`` (library key or code) in the workspace, in one transaction."""
    d = library_entry(key)
    existing = [s for s in catalog.list_standards(ws)
                if s.code == d["code"] and s.version_label == d["version_label"]]
    if existing:
        raise ValidationError("library", f"{d['code']} {d['version_label']} is already in the catalogue "
                                         f"({existing[0].status.label.lower()})", entity=catalog.STANDARD)
    values = {"code": d["code"], "title": d["title"], "category": d["category"],
              "version_label": d["version_label"], "status": status, "owner": owner or d.get("owner", ""),
              "source": d["source"], "text": d.get("text", ""), "risk_tiers": d.get("risk_tiers", [])}
    reqs = [{"code": r["code"], "text": r["text"], "stages": r["stages"]} for r in d["requirements"]]
    return catalog.create_standard(ws, values, reqs)
