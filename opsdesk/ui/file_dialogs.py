"""File dialogs that remember the last folder per purpose (imports, papers, backups, bundles, …): the second
import opens where the first one was found, and exporting a paper does not start in the import folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget


def _key(purpose: str) -> str:
    return f"dialogs/last_folder/{purpose}"


def last_folder(purpose: str, default: str | Path | None = None) -> str:
    remembered = QSettings().value(_key(purpose))
    if isinstance(remembered, str) and remembered and Path(remembered).is_dir():
        return remembered
    return str(default) if default is not None else str(Path.home())


def remember(purpose: str, chosen: str | Path) -> None:
    p = Path(chosen)
    folder = p if p.is_dir() else p.parent
    QSettings().setValue(_key(purpose), str(folder))


def _start(purpose: str, name: str | Path | None, default_folder: str | Path | None) -> str:
    folder = Path(last_folder(purpose, default_folder))
    if not name:
        return str(folder)
    name = Path(name)
    return str(name if name.is_absolute() and purpose not in _remembered() else folder / name.name)


def _remembered() -> set[str]:
    s = QSettings()
    s.beginGroup("dialogs/last_folder")
    try:
        return set(s.childKeys())
    finally:
        s.endGroup()


def open_file(parent: QWidget | None, purpose: str, caption: str, filter_: str = "",
              default_folder: str | Path | None = None) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, caption, last_folder(purpose, default_folder), filter_)
    if path:
        remember(purpose, path)
    return path


def open_files(parent: QWidget | None, purpose: str, caption: str, filter_: str = "",
               default_folder: str | Path | None = None) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, caption, last_folder(purpose, default_folder), filter_)
    if paths:
        remember(purpose, paths[0])
    return list(paths)


def folder(parent: QWidget | None, purpose: str, caption: str, default_folder: str | Path | None = None) -> str:
    path = QFileDialog.getExistingDirectory(parent, caption, last_folder(purpose, default_folder))
    if path:
        remember(purpose, Path(path).parent if Path(path).name else path)
    return path


def save_file(parent: QWidget | None, purpose: str, caption: str, suggested: str | Path, filter_: str = "",
              default_folder: str | Path | None = None) -> str:
    """``suggested``: a file name (placed in the remembered folder) or a whole path (used until the user has
    chosen a folder for this purpose once)."""
    path, _ = QFileDialog.getSaveFileName(parent, caption, _start(purpose, suggested, default_folder), filter_)
    if path:
        remember(purpose, path)
    return path
