"""Issuing documents: plain data → HTML → PDF, each recorded and verifiable."""

import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _
from pypdf import PdfReader
from sqlalchemy import select

from assist.audit.services import record
from assist.core.errors import DomainError, ValidationError
from assist.core.timeutil import local_today
from assist.documents.models import IssuedDocument
from assist.documents.pdf import render_pdf
from assist.documents.registry import DocumentSpec, get_spec
from assist.extensions import db

#: Crockford base32 without I, L, O, U: easy to read aloud and to type from paper.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


def new_verify_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str:
    cleaned = re.sub(r"[\s\-]", "", (text or "").upper())
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def fingerprint(data: dict) -> str:
    """SHA-256 of the document's record data in a canonical form."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def may_show_full_ids(spec: DocumentSpec, user) -> bool:
    """Whether the user may print this kind of document with full IDs and accounts.

    The one rule for single documents and batches alike (a batch records the answer for its
    starter, and only users who get the same answer may download it).
    """
    return bool(spec.full_id_roles) and user.has_role(*spec.full_id_roles)


def static_root() -> Path:
    return Path(current_app.static_folder)


def prepare(
    spec: DocumentSpec,
    subject,
    *,
    acting_user,
    print_job_id=None,
    document: IssuedDocument | None = None,
    full: bool | None = None,
) -> tuple[IssuedDocument, str]:
    """Record the document (number and code first, since the page prints them) and its HTML.

    `full` (a batch's recorded masking level) may only narrow what the user may see.
    """
    allowed = may_show_full_ids(spec, acting_user)
    if document is not None:
        full = document.shows_full_ids
    else:
        full = allowed if full is None else (full and allowed)
    data = spec.build(subject, full)
    if document is None:
        document = IssuedDocument(
            kind=spec.kind,
            subject_id=subject.id,
            subject_label=spec.label(subject)[:120],
            centre_id=spec.centre_id(subject),
            template_version=spec.version,
            record_sha256=fingerprint(data),
            shows_full_ids=full,
            issued_by_id=acting_user.id,
            verify_code=new_verify_code(),
            doc_no="pending",
            print_job_id=print_job_id,
        )
        db.session.add(document)
        db.session.flush()
        document.doc_no = f"WS{local_today():%Y}-{document.id:07d}"
    meta = {
        "title": str(spec.title),
        "doc_no": document.doc_no,
        "verify_code": format_code(document.verify_code),
        "subject_number": document.subject_label,
        "issued_by": acting_user.full_name or acting_user.username,
        "issued_on": f"{local_today():%Y-%m-%d}",
        "shows_full_ids": full,
    }
    html = render_template(spec.template, doc=meta, data=data)
    return document, html


def finish(document: IssuedDocument, pdf: bytes, *, acting_user) -> None:
    """Store the PDF's hash and page count, and audit the issue (full-ID prints included)."""
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.page_count = len(PdfReader(io.BytesIO(pdf)).pages)
    record(
        "document.issued_full_ids" if document.shows_full_ids else "document.issued",
        acting_user=acting_user,
        obj=document,
        centre=document.centre,
        after={
            "doc_no": document.doc_no,
            "kind": document.kind,
            "subject": document.subject_label,
            "sha256": document.sha256,
        },
    )


def issue(kind: str, subject_id, *, acting_user) -> tuple[IssuedDocument, bytes]:
    """Issue one document for a subject in the user's scope and return it with its PDF."""
    spec = get_spec(kind)
    subject = spec.load(acting_user, subject_id)
    document, html = prepare(spec, subject, acting_user=acting_user)
    pdf = render_pdf(html, static_root=static_root())
    finish(document, pdf, acting_user=acting_user)
    return document, pdf


@dataclass
class Verification:
    document: IssuedDocument
    in_scope: bool
    record_changed: bool | None  # None when the subject no longer exists


def verify(code: str, *, acting_user) -> Verification:
    """Find the document behind a printed code and tell whether its record has changed."""
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        msg = _("A verification code has 10 letters and digits, such as 7KQ2M-X9D4C.")
        raise ValidationError(msg, fields={"code": msg})
    document = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.verify_code == normalised)
    ).first()
    if document is None:
        msg = _("No document was issued with this code: the paper is not genuine or mistyped.")
        raise ValidationError(msg, fields={"code": msg})
    in_scope = document.centre.is_within(acting_user.centre)
    changed = None
    if in_scope:
        spec = get_spec(document.kind)
        try:
            subject = spec.load(acting_user, document.subject_id)
        except DomainError:  # a vanished or moved subject cannot be compared
            subject = None
        if subject is not None:
            data = spec.build(subject, document.shows_full_ids)
            changed = fingerprint(data) != document.record_sha256
    record(
        "document.verified",
        acting_user=acting_user,
        obj=document,
        centre=document.centre,
        after={"doc_no": document.doc_no, "record_changed": changed},
    )
    return Verification(document=document, in_scope=in_scope, record_changed=changed)
