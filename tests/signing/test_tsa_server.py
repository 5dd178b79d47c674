"""B-T with a time-stamp authority reached over HTTP, as one inside the enclave would be: a small RFC 3161
server on the loopback address answers with the test CA's time-stamping key."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from opsdesk.errors import ValidationError
from opsdesk.services.signing import pades, timestamping, validation
from opsdesk.services.signing.credentials import Pkcs12File
from tests.signing.pki import PASSPHRASE, ThrowawayCA


@pytest.fixture
def tsa_url(tsa_file: Path) -> Iterator[str]:
    from asn1crypto import tsp

    stamper = timestamping._key_file(timestamping.TsaKeyFile(tsa_file, PASSPHRASE.encode()))
    requests: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(len(body))
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
        assert requests, "the authority was asked"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_time_stamp_authority_over_http_makes_it_b_t(tsa_url: str, paper: Path, alice: Path,
                                                        pki: ThrowawayCA) -> None:
    signed = pades.sign_pdf(paper.read_bytes(), Pkcs12File(alice, PASSPHRASE.encode()),
                            tsa=timestamping.TsaServer(tsa_url))
    assert signed.level == "B-T"
    report = validation.verify_pdf(signed.data, [pki.cert.public_bytes(Encoding.DER)], [])
    assert report.ok and report.signatures[0].time_source == "time-stamp"


def test_an_unreachable_authority_is_one_clear_error(paper: Path, alice: Path) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ValidationError, match="signing failed"):
        pades.sign_pdf(paper.read_bytes(), Pkcs12File(alice, PASSPHRASE.encode()),
                       tsa=timestamping.TsaServer(f"http://127.0.0.1:{port}/tsa"))


@pytest.mark.parametrize("url", ["ftp://tsa.example/", "tsa.example", "http://", ""])
def test_a_tsa_address_that_is_not_http_is_refused(paper: Path, alice: Path, url: str) -> None:
    with pytest.raises(ValidationError, match="not an http"):
        pades.sign_pdf(paper.read_bytes(), Pkcs12File(alice, PASSPHRASE.encode()), tsa=timestamping.TsaServer(url))


def test_the_configured_authority_is_used_by_opsdesk_sign(tsa_url: str, monkeypatch, capsys, paper: Path,  # type: ignore[no-untyped-def]
                                                          alice: Path, passphrase_file: Path,
                                                          tmp_path: Path) -> None:
    from opsdesk.cli import main

    ws = tmp_path / "w.opsdesk"
    assert main(["init", "--workspace", str(ws)]) == 0
    monkeypatch.setenv("OPSDESK_TSA_URL", tsa_url)
    capsys.readouterr()
    assert main(["sign", str(paper), "--out", str(tmp_path / "t.pdf"), "-w", str(ws), "--pkcs12", str(alice),
                 "--passphrase-file", str(passphrase_file)]) == 0
    out = capsys.readouterr().out
    assert "PAdES B-T" in out and "no trusted time" not in out
