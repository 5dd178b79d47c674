"""Signing a PDF: a PAdES baseline signature (B-B; B-T when a time-stamp authority is configured) in an
incremental update, so the paper's original bytes stay the first part of the file unchanged and every earlier
signature stays valid, with a visible block (signer, role, date) in the next free slot of the last page."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsdesk.errors import ValidationError
from opsdesk.services.signing.credentials import Credential, Identity, identity, open_signer
from opsdesk.services.signing.timestamping import TimeStampSource, open_timestamper

NO_TRUSTED_TIME = ("no trusted time: the signing time in the signature is the signer's own clock "
                   "(PAdES B-B); configure a time-stamp authority for B-T")


@dataclass(frozen=True)
class SignedPaper:
    data: bytes
    signer: str
    role: str
    signed_at: dt.datetime
    level: str  # "B-B" or "B-T"
    field_name: str
    input_sha256: str
    sha256: str
    signer_emails: tuple[str, ...] = ()

    @property
    def time_note(self) -> str:
        return "time-stamped by a time-stamp authority (PAdES B-T)" if self.level == "B-T" else NO_TRUSTED_TIME


def _reader(data: bytes) -> Any:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValidationError("pdf", f"not a readable PDF: {exc}") from None


def sign_pdf(data: bytes, cred: Credential, *, role: str = "", tsa: TimeStampSource | None = None,
             reason: str | None = None, accept: Callable[[Identity], None] | None = None) -> SignedPaper:
    """Sign ``data`` (a PDF) and return the signed file's bytes; ``data`` itself is never changed. ``accept``
    sees the signer's certificate identity before anything is signed and raises to refuse that signer."""
    from pyhanko.pdf_utils import layout
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
    from pyhanko.stamp import StaticStampStyle

    from opsdesk.reports import signature_block

    if not data.startswith(b"%PDF-"):
        raise ValidationError("pdf", "not a PDF (it does not start with %PDF-)")
    writer = _reader(data)
    try:
        pages = writer.prev.root["/Pages"]
        page_count = int(pages["/Count"])
        last = writer.prev.find_page_for_modification(page_count - 1)[0].get_object()
        box = [float(v) for v in last["/MediaBox"]]
        existing = fields.enumerate_sig_fields(writer.prev, filled_status=None)
        taken = [name for name, _value, _ref in existing]
    except Exception as exc:  # noqa: BLE001 - a damaged page tree: say so, never a traceback
        raise ValidationError("pdf", f"cannot find the last page: {exc}") from None
    index = len(taken)
    field_name = f"Signature{index + 1}"
    while field_name in taken:
        index += 1
        field_name = f"Signature{index + 1}"
    x1, y1, x2, y2 = signature_block.slot_box(len(taken), box[2] - box[0])
    slot = (x1 + int(box[0]), y1 + int(box[1]), x2 + int(box[0]), y2 + int(box[1]))
    with open_signer(cred) as signer, open_timestamper(tsa) as timestamper:
        try:
            cert = signer.signing_cert
        except Exception as exc:  # noqa: BLE001 - a token without the certificate of its key
            raise ValidationError("certificate", f"the key's certificate cannot be read: {exc}") from None
        if cert is None:
            raise ValidationError("certificate", "no certificate goes with the key")
        who = identity(cert)
        if accept is not None:
            accept(who)
        name = who.name
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        level = "B-T" if timestamper is not None else "B-B"
        with tempfile.TemporaryDirectory(prefix="opsdesk-sign-") as tmp:
            block = signature_block.draw_block(Path(tmp) / "block.pdf", (slot[2] - slot[0], slot[3] - slot[1]),
                                               signer=name, role=role, when=now, level=level)
            fields.append_signature_field(writer, SigFieldSpec(sig_field_name=field_name, on_page=page_count - 1,
                                                               box=slot))
            meta = signers.PdfSignatureMetadata(
                field_name=field_name, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
                reason=reason or (f"Signed as {role}" if role else "Signed"), name=name,
                use_pades_lta=False, embed_validation_info=False)
            style = StaticStampStyle.from_pdf_file(
                str(block), border_width=0,
                background_layout=layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MIN,
                                                             y_align=layout.AxisAlignment.ALIGN_MID,
                                                             margins=layout.Margins.uniform(0)))
            pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=style)
            out = io.BytesIO()
            try:
                pdf_signer.sign_pdf(writer, output=out)
            except ValidationError:
                raise
            except Exception as exc:  # noqa: BLE001 - token, key usage or TSA trouble, in one line
                raise ValidationError("signature", f"signing failed: {exc}") from None
    signed = out.getvalue()
    return SignedPaper(signed, name, role, now, level, field_name, hashlib.sha256(data).hexdigest(),
                       hashlib.sha256(signed).hexdigest(), who.emails)


def default_output(path: Path) -> Path:
    """``FILE.pdf`` → ``FILE.signed.pdf`` beside it."""
    return path.with_name(path.stem + ".signed" + path.suffix)


def sign_file(src: str | Path, cred: Credential, *, out: str | Path | None = None, role: str = "",
              tsa: TimeStampSource | None = None) -> tuple[Path, SignedPaper]:
    """Sign the PDF at ``src`` into ``out`` (default ``FILE.signed.pdf``); ``src`` is only read."""
    source = Path(src)
    target = Path(out) if out else default_output(source)
    if target.suffix.lower() != ".pdf":
        raise ValidationError("out", f"{target.name}: the signed file's name must end in .pdf")
    if not target.parent.is_dir():
        raise ValidationError("out", f"folder {target.parent} does not exist")
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ValidationError("file", f"cannot read {source}: {exc.strerror or exc}") from None
    if target.exists() and target.resolve() == source.resolve():
        raise ValidationError("out", "the signed file must not replace the paper it signs")
    signed = sign_pdf(data, cred, role=role, tsa=tsa)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(signed.data)
    os.replace(tmp, target)
    return target, signed
