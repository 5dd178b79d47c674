"""Fixtures for signing: a throw-away CA, people's certificate files, a SoftHSM2 card, papers to sign."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from tests.signing import softhsm
from tests.signing.pki import PASSPHRASE, ThrowawayCA


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCA:
    return ThrowawayCA(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def alice(pki: ThrowawayCA) -> Path:
    return pki.person("Alice Chair")[0]


@pytest.fixture(scope="session")
def bob(pki: ThrowawayCA) -> Path:
    return pki.person("Bob Secretary")[0]


@pytest.fixture(scope="session")
def tsa_file(pki: ThrowawayCA) -> Path:
    return pki.person("Enclave Time Authority", tsa=True)[0]


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    p = tmp_path / "passphrase.txt"
    p.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def card(tmp_path_factory: pytest.TempPathFactory, pki: ThrowawayCA) -> softhsm.Card:
    """A SoftHSM2 token with a key generated on it. Without SoftHSM2: skipped on a developer's machine, a
    failure in CI (where .ci/run installs it)."""
    if softhsm.library() is None or shutil.which("softhsm2-util") is None:
        if os.environ.get("CI"):
            pytest.fail("SoftHSM2 is missing in CI: .ci/run installs the Debian package softhsm2")
        pytest.skip("SoftHSM2 is not installed (Debian package softhsm2; `make system-deps` installs it)")
    return softhsm.make_card(tmp_path_factory.mktemp("card"), pki)


@pytest.fixture(scope="session")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-page paper in the OpsDesk page layout, ending with its signature area."""
    from reportlab.platypus import PageBreak

    from opsdesk.reports import styles, templates
    from opsdesk.reports.content import DocMeta
    from opsdesk.reports.signature_block import SignatureArea

    meta = DocMeta("OPS-TST-001", 1, "Test paper", "A paper to sign", "Test Org", ("test",), "OFFICIAL",
                   dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC), kind="Test paper")
    st = styles.sheet()
    story = [templates.Heading("First section", st["H1"], 0, "s1"), templates.para("Page one text."), PageBreak(),
             templates.Heading("Second section", st["H1"], 0, "s2"), templates.para("Page two text."),
             SignatureArea()]
    path = tmp_path_factory.mktemp("paper") / "paper.pdf"
    path.write_bytes(templates.render(meta, story))
    return path
