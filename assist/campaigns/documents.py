"""Printed campaign documents: the signed roster (发放花名册) and the visit register (走访登记表).

Both are registered with the document machinery (assist.documents.registry), which numbers,
records and verifies them. Each prints one list of one centre, from the frozen snapshots of
its households (a later change to a file does not change the paper), in Chinese whatever the
reader's language. Full resident IDs print only for caseworkers and supervisors (audited by
the registry); everyone else gets masks. The visit register's remarks on a household's
situation can name an illness, so they print only for the same roles.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from assist.applicants.services import SENSITIVE_ROLES
from assist.attachments.models import Attachment
from assist.auth.models import Role, User
from assist.campaigns.labels import OCCASION_LABELS
from assist.campaigns.models import CampaignList, EntryStatus, ListEntry, ListStatus, Visit
from assist.campaigns.services import goods_text
from assist.core.errors import DomainError, NotFound, PermissionDenied
from assist.core.masking import mask_id
from assist.documents.plain import TIER_NAMES, capitals, day, label, person, printed_labels, yuan
from assist.documents.registry import DocumentSpec, register
from assist.extensions import db

#: Who may print a campaign list's roster and visit register.
PRINT_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
FROZEN = (ListStatus.APPROVED, ListStatus.PUBLISHED)


def list_number(clist: CampaignList) -> str:
    """The list's printed number: campaign and centre, e.g. SW0003-SZ-GS-PJ."""
    return f"SW{clist.campaign_id:04d}-{clist.centre.code}"


def load_frozen_list(user: User, list_id) -> CampaignList:
    """A list of the user's centre or one below it, once approved (its households frozen)."""
    try:
        clist = db.session.get(CampaignList, int(list_id))
    except (TypeError, ValueError):
        clist = None
    if clist is None or not clist.centre.is_within(user.centre):
        raise NotFound(_("Not found."))
    if not user.has_role(*PRINT_ROLES):
        raise PermissionDenied(_("Your role may not print campaign lists."))
    if clist.status not in FROZEN:
        raise DomainError(_("The roster and the visit register print once the list is approved."))
    return clist


def _entries(clist: CampaignList) -> list[ListEntry]:
    return list(
        db.session.scalars(
            select(ListEntry)
            .where(ListEntry.list_id == clist.id, ListEntry.status == EntryStatus.LISTED)
            .options(
                selectinload(ListEntry.applicant),
                selectinload(ListEntry.case),
                selectinload(ListEntry.visit),
            )
            .order_by(ListEntry.id)
        )
    )


def _id_shown(entry: ListEntry, full_ids: bool) -> str:
    number = entry.applicant.id_number
    return number if full_ids else mask_id(number)


def _head(clist: CampaignList) -> dict:
    campaign = clist.campaign
    return {
        "list_no": list_number(clist),
        "campaign": campaign.name,
        "occasion": label(OCCASION_LABELS, campaign.occasion),
        "window": f"{day(campaign.starts_on)} 至 {day(campaign.ends_on)}",
        "organiser": campaign.centre.name,
        "centre": clist.centre.name,
        "tier": TIER_NAMES.get(clist.centre.tier, ""),
        "standard_cash": yuan(campaign.cash_fen),
        "standard_goods": goods_text(campaign.goods),
        "standard": yuan(campaign.standard_fen),
        "approved_by": person(clist.approved_by),
        "approved_on": day(clist.approved_at),
        "published_on": day(clist.published_at),
        "submitted_by": person(clist.submitted_by),
        "is_published": clist.status == ListStatus.PUBLISHED,
    }


def build_roster(clist: CampaignList, full_ids: bool) -> dict:
    """The roster: one row per listed household, what it was given (or is due) and room to sign."""
    with printed_labels():
        rows = []
        total = cash_total = goods_total = 0
        for n, entry in enumerate(_entries(clist), start=1):
            snap = entry.snapshot or {}
            visit = entry.visit
            if visit is not None:
                cash, goods_fen = visit.cash_fen, visit.goods_value_fen
                goods = goods_text(visit.goods)
            else:
                cash, goods_fen = clist.campaign.cash_fen, clist.campaign.goods_fen
                goods = goods_text(clist.campaign.goods)
            cash_total += cash
            goods_total += goods_fen
            total += cash + goods_fen
            rows.append(
                {
                    "no": n,
                    "file_no": snap.get("file_no", ""),
                    "name": snap.get("name", ""),
                    "id_number": _id_shown(entry, full_ids),
                    "address": snap.get("address", ""),
                    "is_migrant": bool(snap.get("is_migrant_worker")),
                    "cash": yuan(cash),
                    "goods": goods,
                    "goods_value": yuan(goods_fen),
                    "total": yuan(cash + goods_fen),
                    "visited_on": day(visit.visited_on) if visit else "",
                    "unsigned_reason": (
                        visit.no_signature_reason if visit and not visit.is_signed else ""
                    ),
                    "case_no": entry.case.case_no if entry.case else "",
                }
            )
        return {
            **_head(clist),
            "rows": rows,
            "count": len(rows),
            "migrants": sum(1 for r in rows if r["is_migrant"]),
            "cash_total": yuan(cash_total),
            "goods_total": yuan(goods_total),
            "total": yuan(total),
            "total_capitals": capitals(total),
        }


def _photo_counts(visit_ids: list[int]) -> dict[int, int]:
    if not visit_ids:
        return {}
    return dict(
        db.session.execute(
            select(Attachment.owner_id, func.count(Attachment.id))
            .where(
                Attachment.owner_type == "campaign_visit",
                Attachment.owner_id.in_(visit_ids),
                Attachment.removed_at.is_(None),
            )
            .group_by(Attachment.owner_id)
        ).all()
    )


def build_visit_register(clist: CampaignList, full_ids: bool) -> dict:
    """The visit register: every recorded visit of the list, visitors with leaders marked."""
    with printed_labels():
        listed = _entries(clist)
        entries = [e for e in listed if e.visit is not None]
        entries.sort(key=lambda e: (e.visit.visited_on, e.visit.id))
        photos = _photo_counts([e.visit.id for e in entries])
        rows = []
        leader_visits = 0
        given = 0
        for n, entry in enumerate(entries, start=1):
            snap = entry.snapshot or {}
            visit: Visit = entry.visit
            leaders = [v for v in visit.visitors if v.get("is_leader")]
            leader_visits += bool(leaders)
            given += visit.cash_fen + visit.goods_value_fen
            rows.append(
                {
                    "no": n,
                    "visited_on": day(visit.visited_on),
                    "file_no": snap.get("file_no", ""),
                    "name": snap.get("name", ""),
                    "id_number": _id_shown(entry, full_ids),
                    "visitors": [
                        {
                            "name": v.get("name", ""),
                            "title": v.get("title", ""),
                            "is_leader": bool(v.get("is_leader")),
                        }
                        for v in visit.visitors
                    ],
                    "cash": yuan(visit.cash_fen),
                    "goods": goods_text(visit.goods),
                    "goods_value": yuan(visit.goods_value_fen),
                    "is_signed": visit.is_signed,
                    "unsigned_reason": visit.no_signature_reason,
                    "photos": int(photos.get(visit.id, 0)),
                    "remarks": visit.remarks if full_ids else "",
                    "has_remarks": bool(visit.remarks),
                    "recorded_by": person(visit.recorded_by),
                }
            )
        return {
            **_head(clist),
            "rows": rows,
            "count": len(rows),
            "listed": len(listed),
            "not_visited": len(listed) - len(rows),
            "leader_visits": leader_visits,
            "total": yuan(given),
            "total_capitals": capitals(given),
            "shows_remarks": full_ids,
        }


CAMPAIGN_ROSTER = register(
    DocumentSpec(
        kind="campaign_roster",
        title=_l("Send-warmth roster"),
        template="campaigns/roster_pdf.html",
        version="campaign-roster-1",
        load=load_frozen_list,
        build=build_roster,
        centre_id=lambda clist: clist.centre_id,
        label=list_number,
        full_id_roles=SENSITIVE_ROLES,
    )
)

VISIT_REGISTER = register(
    DocumentSpec(
        kind="visit_register",
        title=_l("Visit register"),
        template="campaigns/visit_register_pdf.html",
        version="visit-register-1",
        load=load_frozen_list,
        build=build_visit_register,
        centre_id=lambda clist: clist.centre_id,
        label=list_number,
        full_id_roles=SENSITIVE_ROLES,
    )
)
