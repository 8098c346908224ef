"""Factories that build rows directly, for tests that need data but not its workflow."""

import itertools
import struct
import zlib
from datetime import date

from sqlalchemy import select

from assist.applicants.models import (
    Applicant,
    Assessment,
    Category,
    FileStatus,
    ResidentId,
    SubsistenceStandard,
)
from assist.auth.models import User
from assist.core.crypto import keyed_hash
from assist.core.resident_id import make_resident_id
from assist.extensions import db

_seq = itertools.count(1)


def next_resident_id(
    region: str = "320502", birth: date = date(1975, 6, 1), female: bool = False
) -> str:
    """Return a fresh valid resident ID (sequence odd for men, even for women)."""
    n = next(_seq)
    sequence = (2 * n) % 1000 if female else (2 * n + 1) % 1000
    return make_resident_id(region, birth, sequence)


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def make_standard(
    region_code: str = "SZ", monthly_fen: int = 106_000, effective_from: date = date(2020, 1, 1)
) -> SubsistenceStandard:
    std = SubsistenceStandard(
        region_code=region_code,
        region_name="苏州市",
        monthly_fen=monthly_fen,
        effective_from=effective_from,
    )
    db.session.add(std)
    db.session.flush()
    return std


def make_applicant(centre, **overrides) -> Applicant:
    """An active hardship file in `centre`, with one assessment (深度困难 by default)."""
    id_number = overrides.pop("id_number", None) or next_resident_id(
        female=overrides.pop("female", False)
    )
    category = overrides.pop("category", Category.DEEP)
    annual_income_fen = overrides.pop("annual_income_fen", 1_200_000)
    n = next(_seq)
    applicant = Applicant(
        file_no=overrides.pop("file_no", f"{centre.code}-2026-{n:05d}"),
        centre=centre,
        status=overrides.pop("status", FileStatus.ACTIVE),
        category=category,
        name=overrides.pop("name", "王建国"),
        id_hash=keyed_hash(id_number),
        gender="M" if int(id_number[16]) % 2 else "F",
        birth_date=date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
        phone=overrides.pop("phone", "13912345678"),
        address=overrides.pop("address", "苏州市姑苏区平江路1号"),
        employer=overrides.pop("employer", "苏州纺织厂"),
        **overrides,
    )
    applicant.id_number = id_number
    db.session.add(applicant)
    db.session.flush()
    db.session.add(ResidentId(id_hash=applicant.id_hash, applicant_id=applicant.id))
    db.session.add(
        Assessment(
            applicant=applicant,
            annual_income_fen=annual_income_fen,
            rigid_expenses_fen=0,
            household_size=1,
            per_capita_monthly_fen=annual_income_fen // 12,
            standard_monthly_fen=106_000,
            proposed_category=category,
            category=category,
        )
    )
    db.session.flush()
    return applicant


#: A tiny but complete PDF, and a real 1×1 PNG: the upload checks read content, not names.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
