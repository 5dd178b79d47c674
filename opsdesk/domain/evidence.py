"""Evidence files: how large one may be, and the safe name it is stored and written under.

A name comes from a person (attach), from another workspace (an exchange bundle) or from an older version of
OpsDesk; whatever it holds, the name OpsDesk keeps and writes is a plain file name: no folders, no ``..``, no
drive letters, no control characters, nothing a file system gives a special meaning.
"""

from __future__ import annotations

import re
import unicodedata

MAX_EVIDENCE_BYTES = 25 * 1024 * 1024
MAX_NAME = 200
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})


def safe_file_name(name: object, fallback: str = "evidence") -> str:
    """The last path component of ``name`` with anything unsafe replaced; ``fallback`` when nothing is left."""
    text = unicodedata.normalize("NFC", name if isinstance(name, str) else "")
    text = text.replace("\\", "/").split("/")[-1]
    text = _UNSAFE.sub("_", text).strip().strip(".").strip()
    if text.split(".")[0].lower() in _WINDOWS_DEVICES:
        text = "_" + text
    if len(text) > MAX_NAME:
        stem, dot, suffix = text.rpartition(".")
        text = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 16 else text[:MAX_NAME]
    return text or fallback
