"""Reading a PDF as a checker would: text per page, fonts, metadata, outline."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

BASE14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


def reader(data: bytes | Path) -> PdfReader:
    return PdfReader(io.BytesIO(data if isinstance(data, bytes) else data.read_bytes()))


def page_texts(data: bytes | Path) -> list[str]:
    return [p.extract_text() or "" for p in reader(data).pages]


def fonts(data: bytes | Path) -> list[tuple[str, bool]]:
    """(base font name, embedded) for every font any page uses, including inside form XObjects."""
    found: dict[str, bool] = {}

    def walk(resources) -> None:  # type: ignore[no-untyped-def]
        if not resources:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            f = font.get_object()
            name = str(f.get("/BaseFont"))
            desc = f.get("/FontDescriptor")
            if desc is None and f.get("/DescendantFonts"):
                desc = f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            found[name] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        for xobj in (resources.get("/XObject") or {}).values():
            walk(xobj.get_object().get("/Resources"))

    for page in reader(data).pages:
        walk(page.get("/Resources"))
    return sorted(found.items())


def outline_titles(data: bytes | Path) -> list[str]:
    out: list[str] = []

    def walk(items) -> None:  # type: ignore[no-untyped-def]
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                out.append(it.title)

    walk(reader(data).outline)
    return out
