"""File dialogs remember the last folder per purpose: the next import opens where the last one was found, and a
paper's export does not start in the import folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog


def test_each_purpose_remembers_its_own_folder(qapp, tmp_path: Path, monkeypatch):
    from opsdesk.ui import file_dialogs

    imports, papers = tmp_path / "usb", tmp_path / "papers"
    imports.mkdir()
    papers.mkdir()
    asked: list[str] = []

    def fake_open(_parent, _caption, start, _filter=""):
        asked.append(start)
        return [str(imports / "focus.csv"), str(imports / "metrics.csv")], ""

    def fake_save(_parent, _caption, start, _filter=""):
        asked.append(start)
        return str(papers / "pack.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(fake_open))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))

    assert file_dialogs.open_files(None, "imports", "Files to import") == [str(imports / "focus.csv"),
                                                                            str(imports / "metrics.csv")]
    file_dialogs.open_files(None, "imports", "Files to import")
    assert asked[1] == str(imports)  # the second import starts where the first was found
    file_dialogs.save_file(None, "papers", "Export PDF", "pack.pdf")
    assert Path(asked[2]).parent != imports  # not the import folder
    file_dialogs.save_file(None, "papers", "Export PDF", "minutes.pdf")
    assert asked[3] == str(papers / "minutes.pdf")


def test_a_folder_that_no_longer_exists_falls_back(qapp, tmp_path: Path):
    from opsdesk.ui import file_dialogs

    gone = tmp_path / "gone"
    gone.mkdir()
    file_dialogs.remember("imports", gone / "x.csv")
    assert file_dialogs.last_folder("imports") == str(gone)
    gone.rmdir()
    assert file_dialogs.last_folder("imports", tmp_path) == str(tmp_path)
