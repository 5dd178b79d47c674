"""opsdesk sign, verify-pdf, certs and brief --sign as a user runs them (in-process, and once in a child
process with no terminal)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from opsdesk.cli import main
from tests.signing.pki import PASSPHRASE, ThrowawayCA


@pytest.fixture
def wsfile(tmp_path: Path) -> Path:
    path = tmp_path / "committee.opsdesk"
    assert main(["init", "--workspace", str(path), "--name", "Committee"]) == 0
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own refusals
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sign_trust_verify_round_trip_with_exit_codes(capsys, wsfile: Path, paper: Path, alice: Path, bob: Path,  # type: ignore[no-untyped-def]
                                                      pki: ThrowawayCA, passphrase_file: Path,
                                                      tmp_path: Path) -> None:
    w = ["-w", str(wsfile)]
    src = tmp_path / "minutes.pdf"
    src.write_bytes(paper.read_bytes())
    code, out, _ = run(capsys, "sign", str(src), *w, "--pkcs12", str(alice), "--passphrase-file",
                       str(passphrase_file), "--role", "Chair")
    assert code == 0 and "minutes.signed.pdf" in out and "PAdES B-B" in out and "no trusted time" in out
    signed = tmp_path / "minutes.signed.pdf"
    assert src.read_bytes() == paper.read_bytes()

    code, out, _ = run(capsys, "verify-pdf", str(signed), *w)
    assert code == 1 and "does not chain to a trust anchor" in out  # nothing trusted yet
    code, out, _ = run(capsys, "certs", "trust", str(pki.pem), *w)
    assert code == 0 and "trusted Test Root CA" in out
    code, out, _ = run(capsys, "verify-pdf", str(signed), *w)
    assert code == 0 and "Alice Chair" in out and "all signatures valid" in out

    both = tmp_path / "both.pdf"
    code, _, _ = run(capsys, "sign", str(signed), "--out", str(both), *w, "--pkcs12", str(bob),
                     "--passphrase-file", str(passphrase_file), "--role", "Secretary")
    assert code == 0
    code, out, _ = run(capsys, "verify-pdf", str(both), "--json", *w)
    doc = json.loads(out)
    assert code == 0 and doc["ok"] and [s["signer"] for s in doc["signatures"]] == ["Alice Chair", "Bob Secretary"]
    first = doc["signatures"][0]
    assert first["intact"] and first["unchanged_since"] and first["trusted"] and first["valid_at_signing_time"]
    assert first["signed_at"] and first["time_source"] == "claimed by the signer"

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(both.read_bytes())
    data[data.index(b"stream", 1000) + 30] ^= 1
    tampered.write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify-pdf", str(tampered), *w)
    assert code == 1 and "NOT VALID" in out

    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_text("minutes, typed up")
    code, _, err = run(capsys, "verify-pdf", str(not_pdf), *w)
    assert code == 2 and "notes.pdf is not a PDF" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "certs", "list", "--json", *w)
    assert [a["label"] for a in json.loads(out)["anchors"]] == ["Test Root CA"]
    code, out, _ = run(capsys, "certs", "untrust", "Test Root CA", *w)
    assert code == 0
    code, out, _ = run(capsys, "verify-pdf", str(both), *w)
    assert code == 1


def test_crl_from_the_command_line(capsys, wsfile: Path, paper: Path, pki: ThrowawayCA,  # type: ignore[no-untyped-def]
                                   passphrase_file: Path, tmp_path: Path) -> None:
    import datetime as dt

    w = ["-w", str(wsfile)]
    p12, cert = pki.person("Crl Carl")
    out_pdf = tmp_path / "c.pdf"
    assert run(capsys, "sign", str(paper), "--out", str(out_pdf), *w, "--pkcs12", str(p12),
               "--passphrase-file", str(passphrase_file))[0] == 0
    crl = pki.crl([(cert, pki.now - dt.timedelta(days=2))], name="carl.crl", pem=True)
    code, _, err = run(capsys, "certs", "crl", str(crl), *w)
    assert code == 2 and "not a trust anchor" in err and err.count("\n") == 1
    assert run(capsys, "certs", "trust", str(pki.pem), *w)[0] == 0
    code, out, _ = run(capsys, "certs", "crl", str(crl), *w)
    assert code == 0 and "1 revoked" in out
    code, out, _ = run(capsys, "verify-pdf", str(out_pdf), *w)
    assert code == 1 and "revoked" in out


def test_the_passphrase_is_asked_unechoed_never_taken_from_the_command_line(capsys, monkeypatch, wsfile: Path,  # type: ignore[no-untyped-def]
                                                                          paper: Path, alice: Path,
                                                                          tmp_path: Path) -> None:
    for option in ("--passphrase", "--pin", "--passphrase=" + PASSPHRASE):
        code, out, err = run(capsys, "sign", str(paper), "-w", str(wsfile), "--pkcs12", str(alice), option,
                             PASSPHRASE)
        assert code == 2 and "use --p" in err and PASSPHRASE not in out + err  # refused, never echoed
    assert not list(paper.parent.glob("*.signed.pdf"))
    asked: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSPHRASE)
    code, out, _ = run(capsys, "sign", str(paper), "--out", str(tmp_path / "p.pdf"), "-w", str(wsfile),
                       "--pkcs12", str(alice))
    assert code == 0 and asked == [f"Passphrase for {alice.name}: "]
    assert PASSPHRASE not in out


def test_without_a_terminal_and_without_a_file_it_refuses_in_one_line(wsfile: Path, paper: Path, alice: Path,
                                                                     tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "opsdesk", "sign", str(paper), "--out", str(tmp_path / "n.pdf"),
                        "-w", str(wsfile), "--pkcs12", str(alice)], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    assert r.returncode == 2 and "--passphrase-file" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "n.pdf").exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--pkcs12", "{missing}"], "no such file"),
    (["--pkcs11", "/usr/lib/x.so"], "--pkcs11 needs --token"),
    (["--pkcs12", "{alice}", "--pin-file", "{pass}"], "go with --pkcs11"),
    (["--pkcs12", "{alice}", "--passphrase-file", "{pass}", "--out", "{tmp}/x.txt"], "must end in .pdf"),
    (["--pkcs12", "{alice}", "--passphrase-file", "{pass}", "--out", "{tmp}/nofolder/x.pdf"], "does not exist"),
    (["--pkcs12", "{alice}", "--passphrase-file", "{tmp}/wrong.txt"], "wrong passphrase"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, wsfile: Path, paper: Path, alice: Path, passphrase_file: Path,  # type: ignore[no-untyped-def]
                                          tmp_path: Path, extra: list[str], message: str) -> None:
    (tmp_path / "wrong.txt").write_text("nope\n")
    values = {"missing": str(tmp_path / "none.p12"), "alice": str(alice), "pass": str(passphrase_file),
              "tmp": str(tmp_path)}
    args = [a.format(**values) for a in extra]
    code, _, err = run(capsys, "sign", str(paper), "-w", str(wsfile), *args)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not list(tmp_path.glob("*.signed.pdf"))


def test_a_card_signs_from_the_command_line_with_a_pin_file(capsys, card, wsfile: Path, paper: Path,  # type: ignore[no-untyped-def]
                                                            pki: ThrowawayCA, tmp_path: Path) -> None:
    pin = tmp_path / "pin.txt"
    pin.write_text(card.pin + "\n")
    out_pdf = tmp_path / "card.pdf"
    code, out, _ = run(capsys, "sign", str(paper), "--out", str(out_pdf), "-w", str(wsfile), "--pkcs11",
                       card.library, "--token", card.token, "--pin-file", str(pin), "--role", "Member")
    assert code == 0 and card.key_label in out
    run(capsys, "certs", "trust", str(pki.pem), "-w", str(wsfile))
    assert run(capsys, "verify-pdf", str(out_pdf), "-w", str(wsfile))[0] == 0
    pin.write_text("999999\n")
    code, _, err = run(capsys, "sign", str(paper), "--out", str(tmp_path / "card2.pdf"), "-w", str(wsfile),
                       "--pkcs11", card.library, "--token", card.token, "--pin-file", str(pin))
    assert code == 2 and "wrong PIN" in err


def test_brief_sign_writes_the_paper_its_digest_and_the_signed_paper(capsys, demo_path: Path, alice: Path,  # type: ignore[no-untyped-def]
                                                                     pki: ThrowawayCA, passphrase_file: Path,
                                                                     tmp_path: Path) -> None:
    w = ["-w", str(demo_path)]
    plain = tmp_path / "plain.pdf"
    assert run(capsys, "brief", "--meeting", "1", "--minutes", "--out", str(plain), *w)[0] == 0
    out = tmp_path / "minutes.pdf"
    code, text, _ = run(capsys, "brief", "--meeting", "1", "--minutes", "--out", str(out), *w, "--sign",
                        "--pkcs12", str(alice), "--passphrase-file", str(passphrase_file), "--role", "Chair")
    assert code == 0 and "signed" in text and "no trusted time" in text
    signed = tmp_path / "minutes.signed.pdf"
    assert out.read_bytes() == plain.read_bytes()  # the unsigned paper is the same bytes as ever
    assert (tmp_path / "minutes.pdf.sha256").read_text().split()[0] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert signed.read_bytes().startswith(out.read_bytes())
    run(capsys, "certs", "trust", str(pki.pem), *w)
    assert run(capsys, "verify-pdf", str(signed), *w)[0] == 0
    code, _, err = run(capsys, "brief", "--meeting", "1", "--out", str(tmp_path / "p.pdf"), *w, "--sign")
    assert code == 2 and "--sign needs" in err and not (tmp_path / "p.pdf").exists()
