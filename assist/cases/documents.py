"""Printed documents of aid cases: the approval form (帮扶审批表) and the public notice list."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assist.applicants.documents import attachment_row, register_case_file_section
from assist.applicants.labels import CATEGORY_LABELS
from assist.auth.models import Role
from assist.cases.attachments import case_attachments
from assist.cases.labels import ACTION_LABELS, KIND_LABELS, STATUS_LABELS
from assist.cases.models import AidCase, AidKind, CaseEvent, CaseStatus
from assist.centres.models import Centre
from assist.centres.scoping import (
    centre_in_scope,
    get_scoped_or_404,
    in_subtree,
    scoped,
    scoped_centres,
    scoped_ids,
)
from assist.core.errors import NotFound, PermissionDenied
from assist.core.masking import mask_id, mask_name
from assist.core.timeutil import local_to_utc, to_local
from assist.documents.plain import (
    TIER_NAMES,
    capitals,
    day,
    label,
    person,
    printed_labels,
    yuan,
)
from assist.documents.registry import DocumentSpec, register
from assist.extensions import db

#: Case-file and approval-form signature blocks: the steps by which a tier acts on a case.
DECISION_ACTIONS = ("recommend", "approve", "reject")
TIER_ACTIONS = ("submit", *DECISION_ACTIONS)
#: Who may print a case's documents (the roles that may open a case).
READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)
#: Who may print the public notice (the roles of the notices page).
NOTICE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)


def _require(user, roles) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("Your role does not allow this."))


# ---------------------------------------------------------------------------- plain data


def timeline(case: AidCase) -> list[dict]:
    """The case's steps as printed rows: date, step, who (centre · person), note."""
    rows = []
    for event in case.events:
        # The opening comment repeats the case's reason, printed once above the timeline.
        note = "" if event.action == "create" else event.comment or ""
        if event.amount_fen is not None and event.action in (*DECISION_ACTIONS, "pay"):
            note = f"金额 ¥{yuan(event.amount_fen)}" + (f"；{note}" if note else "")
        tier = TIER_NAMES.get(event.centre.tier, "") if event.centre else ""
        who = " ".join(part for part in (tier, person(event.user)) if part)
        rows.append(
            {
                "date": day(event.at),
                "step": label(ACTION_LABELS, event.action),
                "actor": who or "系统",
                "note": note,
            }
        )
    return rows


def tier_signatures(events: list[CaseEvent]) -> list[dict]:
    """One signature block per centre that submitted, recommended or approved (station first).

    The block carries the last decision taken there, its handler (who submitted) and the
    responsible person (who decided).
    """
    blocks: dict[int, dict] = {}
    for event in events:
        if event.action not in TIER_ACTIONS or event.centre is None:
            continue
        block = blocks.setdefault(
            event.centre_id,
            {
                "tier": TIER_NAMES.get(event.centre.tier, ""),
                "tier_no": event.centre.tier,
                "unit": event.centre.name,
                "handler": "",
                "leader": "",
                "opinion": "",
                "date": "",
            },
        )
        if event.action == "submit":
            block["handler"] = person(event.user)
            block["opinion"] = block["opinion"] or "申报，请审批。"
        else:
            block["leader"] = person(event.user)
            block["opinion"] = f"{label(ACTION_LABELS, event.action)}。{event.comment or ''}"
            if event.amount_fen is not None:
                block["opinion"] += f"金额 ¥{yuan(event.amount_fen)}。"
            block["date"] = day(event.at)  # left blank until the tier decides
    return sorted(blocks.values(), key=lambda b: -b["tier_no"])


def case_summary(case: AidCase) -> dict:
    """A case's number, kind, amounts (figures and capitals), status and reason."""
    amount = case.amount_approved_fen
    if amount is None:
        amount = case.amount_requested_fen
    return {
        "number": case.case_no,
        "kind": label(KIND_LABELS, case.kind),
        "status": label(STATUS_LABELS, case.status),
        "requested": yuan(case.amount_requested_fen),
        "requested_capitals": capitals(case.amount_requested_fen),
        "approved": yuan(case.amount_approved_fen),
        "approved_capitals": capitals(case.amount_approved_fen),
        "amount": yuan(amount),
        "amount_capitals": capitals(amount),
        "is_money": case.is_money,
        "paid": yuan(case.paid_fen),
        "reason": case.reason,
        "service": case.service_given,
        "opened": day(case.created_at),
        "submitted": day(case.submitted_at),
        "approved_on": day(case.approved_at),
        "notice": (
            f"{day(case.notice_started_at)} 至 {day(case.notice_ends_at)}"
            if case.notice_started_at
            else ""
        ),
        "centre": case.centre.name,
    }


# ---------------------------------------------------------------------------- approval form


def load_case(user, case_id) -> AidCase:
    _require(user, READ_ROLES)
    return get_scoped_or_404(AidCase, case_id, user)


#: Domains built on aid cases (mutual aid) add the block their kind prints on the approval
#: form: kind → function of the case giving the block's data, or None.
_MEMBER_BLOCKS: dict = {}


def register_member_block(kind: AidKind, block) -> None:
    """Called by a domain built on cases, so cases import nothing of it."""
    _MEMBER_BLOCKS[kind] = block


def _claim_member(case: AidCase) -> dict | None:
    """The member block of the case's kind (a mutual-aid claim's certificate and cover), else None."""
    block = _MEMBER_BLOCKS.get(case.kind)
    return block(case) if block else None


def load_cases(user, case_ids) -> set:
    """Which of the cases `load_case` would give this user (one query)."""
    _require(user, READ_ROLES)
    return scoped_ids(AidCase, case_ids, user)


def build_approval_form(case: AidCase, full_ids: bool) -> dict:
    """The approval form's data: household, request, timeline and a block per tier."""
    with printed_labels():
        applicant = case.applicant
        if applicant is not None:
            household = {
                "name": applicant.name,
                "file_no": applicant.file_no,
                "id_number": applicant.id_number if full_ids else mask_id(applicant.id_number),
                "sex": "男" if applicant.gender == "M" else "女",
                "born": f"{applicant.birth_date:%Y-%m}",
                "employer": applicant.employer,
                "address": applicant.address,
                "phone": applicant.phone,
                "category": label(CATEGORY_LABELS, applicant.category),
                "size": applicant.household_size,
            }
        else:
            household = {
                "name": case.person_name,
                "file_no": "",
                "id_number": case.person_id if full_ids else mask_id(case.person_id),
                "sex": "",
                "born": "",
                "employer": "",
                "address": case.person_address,
                "phone": "",
                "category": "",
                "size": "",
            }
        member = _claim_member(case)
        if member is not None:  # a mutual-aid claim: the member's enrolment fills the gaps
            household.update(sex=member.pop("sex"), born=member.pop("born"))
            household["employer"] = household["employer"] or member["unit"]
        signatures = tier_signatures(case.events)
        waiting_at = case.approval_centre if case.status == CaseStatus.SUBMITTED else None
        if waiting_at is not None and all(s["unit"] != waiting_at.name for s in signatures):
            # The tier that has still to decide gets an empty block to sign by hand.
            signatures.append(
                {
                    "tier": TIER_NAMES.get(waiting_at.tier, ""),
                    "tier_no": waiting_at.tier,
                    "unit": waiting_at.name,
                    "handler": "",
                    "leader": "",
                    "opinion": "",
                    "date": "",
                }
            )
        return {
            "case": case_summary(case),
            "household": household,
            "member": member,
            "timeline": timeline(case),
            "signatures": signatures,
        }


def _case_centre_id(case: AidCase) -> int:
    return case.centre_id


# ---------------------------------------------------------------------------- notice list


@dataclass(frozen=True)
class NoticePeriod:
    """A centre's public notice for one month: the cases whose notice began in it.

    Its `id` packs both (centre id × 1,000,000 + yyyymm) so that the document machinery,
    which knows subjects by one integer, can load it again to verify a printed list.
    """

    centre: Centre
    year: int
    month: int

    @property
    def id(self) -> int:
        return self.centre.id * 1_000_000 + self.year * 100 + self.month

    @property
    def value(self) -> str:
        return f"{self.centre.code}|{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.centre.code} {self.year:04d}-{self.month:02d}"

    def bounds_utc(self) -> tuple[datetime, datetime]:
        """The month's start and end as stored (naive UTC) datetimes, Asia/Shanghai months."""
        first = datetime(self.year, self.month, 1)
        last_day = calendar.monthrange(self.year, self.month)[1]
        after = datetime(self.year, self.month, last_day) + timedelta(days=1)
        return local_to_utc(first), local_to_utc(after)


def notice_period_id(centre: Centre, on: date | datetime) -> int:
    return NoticePeriod(centre, on.year, on.month).id


def _period(user, centre: Centre | None, year: int, month: int) -> NoticePeriod:
    if centre is None or not centre_in_scope(user, centre) or not 1 <= month <= 12:
        raise NotFound(_("There is no such page or record."))
    if not 2000 <= year <= 2999:
        raise NotFound(_("There is no such page or record."))
    return NoticePeriod(centre, year, month)


def load_notice_period(user, subject_id) -> NoticePeriod:
    _require(user, NOTICE_ROLES)
    centre_id, yyyymm = divmod(int(subject_id), 1_000_000)
    year, month = divmod(yyyymm, 100)
    return _period(user, db.session.get(Centre, centre_id), year, month)


def period_from_value(user, value: str) -> NoticePeriod:
    """The period named by a batch value such as "SZ-GS-PJ|2026-05"."""
    try:
        code, month_text = value.split("|")
        year, month = (int(part) for part in month_text.split("-"))
    except ValueError:
        raise NotFound(_("There is no such page or record.")) from None
    centre = db.session.scalars(select(Centre).where(Centre.code == code)).first()
    return _period(user, centre, year, month)


def period_cases(period: NoticePeriod, user=None) -> list[AidCase]:
    """Cases of the centre's subtree whose public notice began in the period's month."""
    start, end = period.bounds_utc()
    stmt = (
        select(AidCase)
        .join(Centre, Centre.id == AidCase.centre_id)
        .where(
            in_subtree(period.centre, AidCase.centre_id),
            AidCase.notice_started_at >= start,
            AidCase.notice_started_at < end,
        )
        .order_by(AidCase.notice_started_at, AidCase.id)
    )
    if user is not None:
        stmt = scoped(stmt, user, AidCase.centre_id)
    return list(db.session.scalars(stmt))


def build_notice_list(period: NoticePeriod, full_ids: bool) -> dict:
    """The public notice: masked name, employer, kind and amount; never ID, illness or bank."""
    del full_ids  # a public notice never shows an ID, whoever prints it
    with printed_labels():
        rows = []
        total = 0
        for case in period_cases(period):
            household = (case.snapshot or {}).get("household") or {}
            amount = case.amount_approved_fen or 0
            total += amount
            rows.append(
                {
                    "name": mask_name(household.get("name") or case.recipient_name),
                    "employer": household.get("employer")
                    or (case.applicant.employer if case.applicant else ""),
                    "kind": label(KIND_LABELS, case.kind),
                    "amount": yuan(amount),
                    "period": f"{day(case.notice_started_at)} 至 {day(case.notice_ends_at)}",
                }
            )
        centre = period.centre
        return {
            "centre": {"name": centre.name, "address": centre.address, "phone": centre.phone},
            "period": f"{period.year}年{period.month}月",
            "rows": rows,
            "total": yuan(total),
            "total_capitals": capitals(total),
        }


def notice_months(user) -> list[tuple[str, str]]:
    """Batch choices: (centre code|yyyy-mm, label) for every centre in scope and month that
    had cases entering public notice."""
    if not user.has_role(*NOTICE_ROLES):
        return []
    centres = list(db.session.scalars(scoped_centres(user)))
    starts = db.session.execute(
        scoped(
            select(Centre.path, AidCase.notice_started_at)
            .join(Centre, Centre.id == AidCase.centre_id)
            .where(AidCase.notice_started_at.is_not(None)),
            user,
            AidCase.centre_id,
        )
    ).all()
    months = {}
    for path, started in starts:
        local = to_local(started)
        for centre in centres:
            if path.startswith(centre.path):
                period = NoticePeriod(centre, local.year, local.month)
                months[period.value] = period
    ordered = sorted(months.values(), key=lambda p: (-p.year, -p.month, p.centre.code))
    return [(p.value, f"{p.year}-{p.month:02d} · {p.centre.name}") for p in ordered]


def approval_forms_of_period(user, value: str) -> list[tuple[int, str]]:
    _require(user, READ_ROLES)
    period = period_from_value(user, value)
    return [(case.id, case.case_no) for case in period_cases(period, user)]


# ---------------------------------------------------------------------------- registration

APPROVAL_FORM = register(
    DocumentSpec(
        kind="approval_form",
        title=_l("Aid approval form"),
        template="documents/approval_form.html",
        version="2",
        load=load_case,
        build=build_approval_form,
        centre_id=_case_centre_id,
        label=lambda case: case.case_no,
        batch_choices=notice_months,
        batch_subjects=approval_forms_of_period,
        batch_title=_l("Approval forms of a notice month"),
        load_many=load_cases,
    )
)

NOTICE_LIST = register(
    DocumentSpec(
        kind="notice_list",
        title=_l("Public notice list"),
        template="documents/notice_list.html",
        version="1",
        load=load_notice_period,
        build=build_notice_list,
        centre_id=lambda period: period.centre.id,
        label=lambda period: period.label,
    )
)


def _case_file_section(applicant, full_ids: bool) -> dict:
    """The household's aid cases in its printed case file: summaries, timelines, documents."""
    cases = list(
        db.session.scalars(
            select(AidCase).where(AidCase.applicant_id == applicant.id).order_by(AidCase.id)
        )
    )
    return {
        "cases": [{**case_summary(c), "timeline": timeline(c)} for c in cases],
        "attachments": [
            attachment_row(a, case.case_no) for case in cases for a in case_attachments(case)
        ],
        "signatures": [sig for case in cases for sig in tier_signatures(case.events)],
    }


register_case_file_section(_case_file_section)
