"""No password is ever taken from a database location: every inline form is refused in one line (exit 2) before
anything connects, and the secret is never printed, logged or written into any file."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.cli import main

SECRET = "S3cr3tPw"
BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/opsdesk_nowhere"
FORMS = [
    f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:5432/opsdesk_nowhere",
    f"postgresql://postgres:{SECRET}@127.0.0.1/opsdesk_nowhere",
    f"POSTGRESQL+PSYCOPG://postgres:{SECRET}@127.0.0.1/opsdesk_nowhere",
    f"postgresql+psycopg://postgres%3A{SECRET}@127.0.0.1/opsdesk_nowhere",
    f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:notaport/opsdesk_nowhere",
    f"{BASE}?password={SECRET}",
    f"{BASE}?PASSWORD={SECRET}",
    f"{BASE}?PassWord={SECRET}",
    f"{BASE}?sslmode=disable&password={SECRET}",
    f"{BASE}?pass%77ord={SECRET}",
    f"{BASE}?%70%61%73%73%77%6f%72%64={SECRET}",
    f"{BASE}?password%3D{SECRET}",
    f"{BASE}?sslpassword={SECRET}",
    f"{BASE}?dsn=host%3D127.0.0.1%20password%3D{SECRET}",
    f"{BASE}?options=-c%20password%3D{SECRET}",
    f"host=127.0.0.1 dbname=opsdesk_nowhere password={SECRET}",
    f"host=127.0.0.1 dbname=opsdesk_nowhere PASSWORD = '{SECRET}'",
]


def _leaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    out, err = capsys.readouterr()
    where = [name for name, text in (("stdout", out), ("stderr", err)) if SECRET in text]
    for f in tmp_path.rglob("*"):
        if f.is_file() and SECRET.encode() in f.read_bytes():
            where.append(str(f.relative_to(tmp_path)))
    return where


@pytest.mark.parametrize("url", FORMS)
@pytest.mark.parametrize("how", ["--database-url", "--workspace", "env", "migrate-from", "migrate-to"])
def test_inline_password_is_refused_and_never_shown(url: str, how: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch):
    file_ws = tmp_path / "file.opsdesk"
    if how == "migrate-from":
        argv = ["migrate", "--from", url, "--to", str(tmp_path / "copy.opsdesk")]
    elif how == "migrate-to":
        assert main(["init", "-w", str(file_ws)]) == 0
        argv = ["migrate", "--from", str(file_ws), "--to", url]
    elif how == "env":
        monkeypatch.setenv("OPSDESK_DATABASE_URL", url)
        argv = ["verify"]
    else:
        argv = ["verify", how, url]
    capsys.readouterr()
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == 2, (out, err)
    assert err.count("\n") == 1 and "password" in err.lower() and "Traceback" not in err
    assert SECRET not in out + err
    capsys.readouterr()
    assert not _leaks(tmp_path, capsys), "the secret was written somewhere"
    assert not (tmp_path / "copy.opsdesk").exists()


def test_a_url_without_a_password_is_still_accepted_as_far_as_the_server():
    from opsdesk.store.engine import inline_password

    assert not inline_password(f"{BASE}?sslmode=require&passfile=/home/a/.pgpass&application_name=x")
    assert not inline_password("/data/passwords/budget 2025.opsdesk")
