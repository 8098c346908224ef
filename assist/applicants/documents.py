"""The printed case file (困难职工档案) of one household, and its batch by station.

The file's own parts are built here; the domains above add theirs (aid cases, payments) with
`register_case_file_section`, so this module imports neither of them.
"""

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assist.applicants import services
from assist.applicants.labels import (
    ACTION_LABELS,
    ATTACHMENT_KIND_LABELS,
    CATEGORY_LABELS,
    CAUSE_LABELS,
    EXCLUSION_LABELS,
    HEALTH_LABELS,
    RELATION_LABELS,
    STATUS_LABELS,
    WORK_STATUS_LABELS,
)
from assist.applicants.models import Applicant, FileStatus
from assist.attachments.services import attachments_of
from assist.centres.models import Centre, Tier
from assist.centres.scoping import get_scoped_or_404, scoped, scoped_centres, scoped_ids
from assist.core.errors import PermissionDenied
from assist.core.masking import mask_account, mask_id
from assist.documents.plain import TIER_NAMES, capitals, day, label, person, printed_labels, yuan
from assist.documents.registry import DocumentSpec, register
from assist.extensions import db

#: Sections other domains add to the case file: (applicant, full_ids) -> {key: value}. The keys
#: "attachments" and "signatures" extend the file's own rows (signatures are merged by tier,
#: as `cases.documents.tier_signatures` gives them); any other key is set as it comes.
_SECTIONS: list[Callable[[Applicant, bool], dict]] = []


def register_case_file_section(build: Callable[[Applicant, bool], dict]) -> Callable:
    _SECTIONS.append(build)
    return build


def attachment_row(attachment, owner: str) -> dict:
    return {
        "title": attachment.original_name,
        "kind": label(ATTACHMENT_KIND_LABELS, attachment.kind),
        "owner": owner,
        "date": day(attachment.uploaded_at),
    }


def load_file(user, applicant_id) -> Applicant:
    if not user.has_role(*services.READ_ROLES):
        raise PermissionDenied(_("Your role does not allow this."))
    return get_scoped_or_404(Applicant, applicant_id, user)


def load_files(user, applicant_ids) -> set:
    """Which of the files `load_file` would give this user (one query)."""
    if not user.has_role(*services.READ_ROLES):
        raise PermissionDenied(_("Your role does not allow this."))
    return scoped_ids(Applicant, applicant_ids, user)


def _centre_chain(centre: Centre) -> dict[int, str]:
    """The file's centre and the centres above it, by tier."""
    chain = {}
    while centre is not None:
        chain[centre.tier] = centre.name
        centre = centre.parent
    return chain


def _head(applicant: Applicant, full_ids: bool) -> dict:
    causes = [label(CAUSE_LABELS, applicant.main_cause)]
    causes += [label(CAUSE_LABELS, c) for c in applicant.secondary_causes or []]
    flags = [
        text
        for flag, text in (
            (applicant.is_union_member, "工会会员"),
            (applicant.is_migrant_worker, "农民工"),
            (applicant.is_woman_worker, "女职工"),
            (applicant.is_model_worker, "劳模"),
        )
        if flag
    ]
    account = applicant.bank_account if full_ids else mask_account(applicant.bank_account)
    return {
        "name": applicant.name,
        "sex": "男" if applicant.gender == "M" else "女",
        "born": f"{applicant.birth_date:%Y-%m-%d}",
        "id_number": applicant.id_number if full_ids else mask_id(applicant.id_number),
        "phone": applicant.phone,
        "employer": applicant.employer,
        "work_status": label(WORK_STATUS_LABELS, applicant.work_status),
        "health": label(HEALTH_LABELS, applicant.health),
        "address": applicant.address,
        "flags": "、".join(flags) or "—",
        "bank": " ".join(part for part in (applicant.bank_name, account) if part) or "—",
        "causes": "、".join(dict.fromkeys(c for c in causes if c)),
        "consent": day(applicant.consent_signed_on) or "未签署",
        "labour_since": day(applicant.labour_relation_since),
    }


def _members(applicant: Applicant, full_ids: bool) -> list[dict]:
    return [
        {
            "name": m.name,
            "relation": label(RELATION_LABELS, m.relation),
            "id_number": (m.id_number if full_ids else mask_id(m.id_number, m.id_last4)) or "—",
            "health": label(HEALTH_LABELS, m.health),
            "student": "在校" if m.is_student else "",
            "monthly_income": yuan(m.monthly_income_fen),
        }
        for m in applicant.members
    ]


def _assessment(applicant: Applicant) -> dict | None:
    latest = applicant.latest_assessment
    if latest is None:
        return None
    net = latest.annual_income_fen - latest.rigid_expenses_fen
    standard = latest.standard
    ratio = (
        latest.per_capita_monthly_fen * 100 / latest.standard_monthly_fen
        if latest.standard_monthly_fen
        else 0
    )
    return {
        "date": day(latest.assessed_at),
        "annual_income": yuan(latest.annual_income_fen),
        "rigid": yuan(latest.rigid_expenses_fen),
        "net": yuan(net),
        "household": latest.household_size,
        "per_capita": yuan(latest.per_capita_monthly_fen),
        "standard": yuan(latest.standard_monthly_fen),
        "standard_region": standard.region_name if standard else "",
        "standard_from": day(standard.effective_from) if standard else "",
        "ratio": f"{ratio:.1f}",
        "hardship_costs": yuan(latest.hardship_costs_fen),
        "sudden_event": latest.has_sudden_event,
        "exclusions": "、".join(label(EXCLUSION_LABELS, e) for e in latest.exclusions or []),
        "proposed": label(CATEGORY_LABELS, latest.proposed_category),
        "category": label(CATEGORY_LABELS, latest.category),
        "override_reason": latest.override_reason,
        "history": [
            {
                "date": day(a.assessed_at),
                "per_capita": yuan(a.per_capita_monthly_fen),
                "standard": yuan(a.standard_monthly_fen),
                "category": label(CATEGORY_LABELS, a.category),
            }
            for a in applicant.assessments[1:]
        ],
    }


def _file_events(applicant: Applicant) -> list[dict]:
    return [
        {
            "date": day(e.at),
            "tier": TIER_NAMES.get(e.centre.tier, "") if e.centre else "",
            "action": label(ACTION_LABELS, e.action),
            "person": person(e.user),
            "result": " ".join(
                part
                for part in (
                    label(STATUS_LABELS, e.to_status) if e.to_status != e.from_status else "",
                    e.reason,
                )
                if part
            ),
        }
        for e in applicant.events
    ]


def _signatures(applicant: Applicant, others: list[dict]) -> list[dict]:
    """One block per tier that acted on the file or its cases, station first."""
    blocks: dict[int, dict] = {}
    for event in applicant.events:
        if event.user is None or event.centre is None:
            continue
        block = blocks.setdefault(
            event.centre.tier,
            {
                "tier": TIER_NAMES.get(event.centre.tier, ""),
                "unit": event.centre.name,
                "people": {},
            },
        )
        block["people"][person(event.user)] = None
        block["date"] = day(event.at)
    for sig in others:
        block = blocks.setdefault(
            sig["tier_no"], {"tier": sig["tier"], "unit": sig["unit"], "people": {}}
        )
        for name in (sig["handler"], sig["leader"]):
            if name:
                block["people"][name] = None
        block["date"] = max(block.get("date", ""), sig["date"])
    return [
        {
            "tier": block["tier"],
            "unit": block["unit"],
            "people": "、".join(block["people"]),
            "date": block.get("date", ""),
        }
        for _tier, block in sorted(blocks.items(), key=lambda item: -item[0])
    ]


def build_case_file(applicant: Applicant, full_ids: bool) -> dict:
    """Everything the printed case file shows, as plain data (no ORM objects)."""
    with printed_labels():
        chain = _centre_chain(applicant.centre)
        latest = applicant.latest_assessment
        attachments = [
            attachment_row(a, "档案") for a in attachments_of(services.OWNER_TYPE, applicant.id)
        ]
        signatures: list[dict] = []
        data = {
            "cases": [],
            "payments": [],
            "payments_total": yuan(0),
            "payments_total_capitals": capitals(0),
        }
        for section in _SECTIONS:
            part = dict(section(applicant, full_ids))
            attachments += part.pop("attachments", [])
            signatures += part.pop("signatures", [])
            data.update(part)
        return data | {
            "file": {
                "number": applicant.file_no,
                "centre": applicant.centre.name,
                "station": chain.get(Tier.STATION, "—"),
                "district": chain.get(Tier.DISTRICT, "—"),
                "city": chain.get(Tier.CITY, ""),
                "category": label(CATEGORY_LABELS, applicant.category)
                or (label(CATEGORY_LABELS, latest.category) if latest else ""),
                "status": label(STATUS_LABELS, applicant.status),
                "registered": day(applicant.created_at),
                "activated": day(applicant.activated_on) or "—",
                "last_review": day(applicant.last_reviewed_on) or "—",
                "review_due": day(applicant.review_due_on) or "—",
                "notice_started": day(applicant.notice_started_on) or "—",
                "status_reason": applicant.status_reason,
                "handler": person(applicant.created_by),
            },
            "head": _head(applicant, full_ids),
            "members": _members(applicant, full_ids),
            "assessment": _assessment(applicant),
            "visits": [
                {"date": day(v.visited_on), "visitors": v.visitors, "findings": v.findings}
                for v in applicant.visits
            ],
            "events": _file_events(applicant),
            "attachments": attachments,
            "signatures": _signatures(applicant, signatures),
        }


def stations(user) -> list[tuple[str, str]]:
    """Batch choices: the stations in the user's scope."""
    if not user.has_role(*services.READ_ROLES):
        return []
    return [
        (c.code, f"{c.code} {c.name}")
        for c in db.session.scalars(scoped_centres(user))
        if c.tier == Tier.STATION
    ]


def active_files_of_station(user, code: str) -> list[tuple[int, str]]:
    """Batch subjects: (applicant id, file number) of every active file at the station."""
    if code not in {value for value, _label in stations(user)}:
        return []
    stmt = (
        select(Applicant.id, Applicant.file_no)
        .join(Centre, Centre.id == Applicant.centre_id)
        .where(Centre.code == code, Applicant.status == FileStatus.ACTIVE)
        .order_by(Applicant.file_no)
    )
    return [tuple(row) for row in db.session.execute(scoped(stmt, user, Applicant.centre_id))]


CASE_FILE = register(
    DocumentSpec(
        kind="case_file",
        title=_l("Hardship case file"),
        template="documents/case_file.html",
        version="2",
        load=load_file,
        build=build_case_file,
        centre_id=lambda applicant: applicant.centre_id,
        label=lambda applicant: applicant.file_no,
        full_id_roles=services.SENSITIVE_ROLES,
        batch_choices=stations,
        batch_subjects=active_files_of_station,
        batch_title=_l("Case files of a station's active households"),
        load_many=load_files,
    )
)
