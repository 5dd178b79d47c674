"""Checking every signature of a PDF offline: against the trust anchors and revocation lists the workspace
keeps, never the system's certificate store, and never fetching anything (no OCSP, no CRL download, no AIA)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer: str
    subject: str
    issuer: str
    serial: str
    signed_at: str | None  # ISO time: the time-stamp's when trusted, else the signer's claim
    time_source: str  # "time-stamp" or "claimed by the signer"
    level: str  # "B-B", "B-T" or "not PAdES"
    intact: bool  # the signed bytes and the signature match
    unchanged_since: bool  # nothing but later signatures was added after it
    changes: str  # what was added after it, in words
    trusted: bool  # the certificate chains to a trust anchor of the workspace
    valid_at_signing_time: bool  # the chain was valid (dates, not revoked) at the signing time
    revocation_checked: bool  # a revocation list of the issuer was among the workspace's
    problems: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.intact and self.unchanged_since and self.trusted and self.valid_at_signing_time


@dataclass(frozen=True)
class PdfReport:
    file: str
    pages: int
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and not self.problems and all(s.ok for s in self.signatures)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pages": self.pages, "ok": self.ok, "problems": list(self.problems),
                "signatures": [{**asdict(s), "problems": list(s.problems), "notes": list(s.notes), "ok": s.ok} for s in self.signatures]}


def _iso(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat()


def _tst_time(embedded: Any) -> dt.datetime | None:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    try:
        for signed_data in extract_tst_data_iter(embedded.signer_info, signed=False):
            return signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    except Exception:  # noqa: BLE001 - no or damaged token: the signature is then treated as B-B
        return None
    return None


def verify_pdf(data: bytes, anchors: Sequence[bytes], crls: Sequence[bytes], *, file: str = "") -> PdfReport:
    """Validate every signature of ``data``. ``anchors``: DER certificates; ``crls``: DER revocation lists."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    roots = [asn1_x509.Certificate.load(a) for a in anchors]
    lists = [asn1_crl.CertificateList.load(c) for c in crls]
    quiet = logging.getLogger("pyhanko")
    quiet_cv = logging.getLogger("pyhanko_certvalidator")
    levels = quiet.level, quiet_cv.level
    quiet.setLevel(logging.CRITICAL)  # a failed path is reported below, not as a traceback in the log
    quiet_cv.setLevel(logging.CRITICAL)
    try:
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            pages = int(reader.root["/Pages"]["/Count"])
            embedded = list(reader.embedded_regular_signatures)
        except Exception as exc:  # noqa: BLE001 - a damaged file is a finding, not a crash
            return PdfReport(file, 0, (), (f"the file cannot be read as a PDF: {exc}",))
        reports = tuple(_checked(sig, roots, lists) for sig in embedded)
        problems: list[str] = []
        if not embedded:
            problems.append("the file holds no signature")
        return PdfReport(file, pages, reports, tuple(problems))
    finally:
        quiet.setLevel(levels[0])
        quiet_cv.setLevel(levels[1])


def _checked(sig: Any, roots: list[Any], lists: list[Any]) -> SignatureReport:
    try:
        return _one(sig, roots, lists)
    except Exception as exc:  # noqa: BLE001 - a damaged signature object is a finding about this file
        try:
            name = str(sig.field_name or "")
        except Exception:  # noqa: BLE001
            name = ""
        return SignatureReport(name, "unknown", "", "", "", None, "unknown", "unknown", False, False, "unknown",
                               False, False, False, (f"the signature cannot be read: {exc}",))


def _one(sig: Any, roots: list[Any], lists: list[Any]) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    problems: list[str] = []
    notes: list[str] = []
    cert = sig.signer_cert
    subject = cert.subject.native
    signer = str(subject.get("common_name") or cert.subject.human_friendly)
    tst = _tst_time(sig)
    claimed = sig.self_reported_timestamp
    when = tst or claimed
    subfilter = str(sig.sig_object.get("/SubFilter", ""))
    pades = subfilter == "/ETSI.CAdES.detached"
    level = ("B-T" if tst else "B-B") if pades else "not PAdES"
    issuer_lists = [c for c in lists if c.issuer.sha256 == cert.issuer.sha256]
    vc = ValidationContext(trust_roots=roots, crls=lists, allow_fetching=False, moment=when,
                           revinfo_policy=_policy(bool(issuer_lists)))
    try:
        status = validate_pdf_signature(sig, vc, key_usage_settings=_KEY_USAGE())
    except Exception as exc:  # noqa: BLE001 - a malformed signature is reported, not raised
        return SignatureReport(sig.field_name or "", signer, cert.subject.human_friendly,
                               cert.issuer.human_friendly, str(cert.serial_number), _iso(when),
                               "time-stamp" if tst else "claimed by the signer", level, False, False,
                               "unknown", False, False, False, (f"the signature cannot be checked: {exc}",))
    intact = bool(status.intact and status.valid)
    if not status.intact:
        problems.append("the signed bytes were changed after signing (digest mismatch)")
    elif not status.valid:
        problems.append("the signature does not match the signer's certificate")
    coverage = status.coverage
    mod = status.modification_level
    from pyhanko.sign.diff_analysis import ModificationLevel

    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        unchanged, changes = True, "none"
    elif coverage == SignatureCoverageLevel.ENTIRE_REVISION and mod is not None and \
            mod <= ModificationLevel.FORM_FILLING and status.docmdp_ok is not False:
        unchanged, changes = True, "later signatures only"
    else:
        unchanged = False
        changes = ("the document was changed after signing"
                   + (f" ({mod.name.lower().replace('_', ' ')})" if mod is not None else ""))
        problems.append(changes)
    trusted = bool(status.trusted)
    path_ok = status.validation_path is not None
    indic = status.trust_problem_indic
    valid_then = trusted
    if not intact:
        valid_then = False  # the certificate says nothing about bytes it did not sign
    elif not _may_sign(cert):
        problems.append("the certificate may not sign documents (its key usage has neither digitalSignature "
                        "nor nonRepudiation)")
    elif not path_ok and getattr(indic, "name", "") not in ("", "NO_CERTIFICATE_CHAIN_FOUND"):
        problems.append("the certificate cannot be accepted: " + _plain(indic))
    elif not path_ok:
        problems.append("the certificate does not chain to a trust anchor of this workspace")
    elif status.revocation_details is not None:
        valid_then = False
        problems.append(f"the certificate was revoked on {_iso(status.revocation_details.revocation_date)}, "
                        "before the signing time")
    elif not trusted:
        problems.append("the certificate was not valid at the signing time: " + _plain(indic))
    tv = status.timestamp_validity
    if tst and tv is not None and not (tv.intact and tv.valid and tv.trusted):
        problems.append("the time-stamp does not check out against the trust anchors")
        valid_then = False
    revocation_checked = bool(issuer_lists)
    later = _revoked_on(cert, issuer_lists)
    if later is not None and status.revocation_details is None and intact:
        if tst:
            notes.append(f"the certificate was revoked on {_iso(later)}, after the time-stamp")
        else:
            valid_then = False
            problems.append(f"the certificate was revoked on {_iso(later)}; without a time-stamp the signing "
                            "time is only the signer's claim, so the signature cannot be placed before that")
    return SignatureReport(sig.field_name or "", signer, cert.subject.human_friendly,
                           cert.issuer.human_friendly, str(cert.serial_number), _iso(when),
                           "time-stamp" if tst else "claimed by the signer", level, intact, unchanged, changes,
                           path_ok, valid_then, revocation_checked, tuple(problems), tuple(notes))


def _may_sign(cert: Any) -> bool:
    usage = cert.key_usage_value
    return usage is None or bool({"digital_signature", "non_repudiation"} & set(usage.native))


def _KEY_USAGE() -> Any:  # noqa: N802 - reads as the constant it is
    """People's signing certificates carry digitalSignature, nonRepudiation or both (PIV and CAC signature
    certificates both; some agency certificates only the first): either will do, neither will not."""
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    return KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


def _plain(indic: Any) -> str:
    name = getattr(indic, "name", "") or ""
    words = {
        "OUT_OF_BOUNDS_NO_POE": "it had expired or was not yet valid",
        "OUT_OF_BOUNDS_NOT_REVOKED": "it had expired or was not yet valid",
        "NOT_YET_VALID": "it was not yet valid",
        "EXPIRED": "it had expired",
        "REVOKED_NO_POE": "it was revoked",
        "REVOKED": "it was revoked",
        "TRY_LATER": "no usable revocation list covers the signing time",
        "REVOCATION_OUT_OF_BOUNDS_NO_POE": "no usable revocation list covers the signing time",
        "NO_CERTIFICATE_CHAIN_FOUND": "no chain to a trust anchor",
        "CHAIN_CONSTRAINTS_FAILURE": "the chain breaks a constraint of a certificate in it",
        "SIG_CONSTRAINTS_FAILURE": "the certificate may not sign documents (key usage)",
        "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "the algorithm is no longer accepted",
    }
    return words.get(name, name.lower().replace("_", " ") or "invalid")


def _policy(have_list: bool) -> Any:
    """With a revocation list of the signer's issuer in the workspace, the signer's certificate must be found
    in good standing on it (certificates often name no distribution point, so "check if declared" would skip
    it); without one, revocation is checked where information is at hand and otherwise not held against it.
    Lists issued after the signing time count (a later list still tells when a certificate was revoked)."""
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    ee = RevocationCheckingRule.CRL_REQUIRED if have_list else RevocationCheckingRule.CHECK_IF_DECLARED_SOFT
    return CertRevTrustPolicy(RevocationCheckingPolicy(ee, RevocationCheckingRule.CHECK_IF_DECLARED_SOFT),
                              retroactive_revinfo=True)


def _revoked_on(cert: Any, lists: list[Any]) -> dt.datetime | None:
    for crl in lists:
        for entry in crl["tbs_cert_list"]["revoked_certificates"] or ():
            if entry["user_certificate"].native == cert.serial_number:
                return entry["revocation_date"].native
    return None
