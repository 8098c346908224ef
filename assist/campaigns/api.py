"""The campaign endpoints of the JSON API (/api/v1/campaigns…).

The same parsers as the web forms (assist.campaigns.forms) read the JSON bodies, and the
same services act, so a rule and its refusal are written once. Scope is the pages' scope:
outside it a campaign, list, entry, visit or sample answers 404. Resident IDs are masked,
and the remarks of a visit (they can name an illness) go only to caseworkers and supervisors.
"""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from assist.api import api_route, created, json_body, require_roles
from assist.api.core import iso
from assist.applicants.models import Applicant
from assist.applicants.services import SENSITIVE_ROLES
from assist.attachments.models import AttachmentKind
from assist.attachments.services import as_json, attachments_of, store_attachment
from assist.auth.models import Role
from assist.campaigns import forms, jobs, queries, services
from assist.campaigns.models import (
    Campaign,
    CampaignList,
    EntryStatus,
    ListEntry,
    Quota,
    QuotaRequest,
    SampleCheck,
    SampleItem,
    Visit,
)
from assist.campaigns.owners import VISIT_OWNER
from assist.centres.models import Centre
from assist.core.errors import NotFound, ValidationError
from assist.core.masking import mask_id
from assist.core.money import fen_to_decimal_str
from assist.core.scoping import scoped
from assist.extensions import db
from assist.funds.models import Fund

TAGS = ["campaigns"]
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
LIST_ACTIONS = ("draw", "fill", "submit", "approve", "return", "publish", "pay")
PAGE = 100

MONEY = {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$", "examples": ["2500.00"]}
GOODS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
            "unit_value": MONEY,
        },
        "required": ["name", "quantity", "unit_value"],
    },
}
CAMPAIGN_REQUEST = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["warmth", "screening"]},
        "occasion": {
            "type": "string",
            "enum": [
                "spring_festival",
                "mid_autumn",
                "summer_heat",
                "school_start",
                "health",
                "other",
            ],
        },
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": "string", "format": "date"},
        "cash": {**MONEY, "description": "cash per household"},
        "goods": {**GOODS, "description": "the goods pack per household"},
        "categories": {"type": "array", "items": {"type": "string"}},
        "causes": {"type": "array", "items": {"type": "string"}},
        "migrant": {"type": "boolean"},
        "women": {"type": "boolean"},
        "model": {"type": "boolean"},
        "employer": {"type": "string"},
        "hand_picked": {"type": "boolean"},
        "funds": {"type": "array", "items": {"type": "integer"}},
        "households": {"type": "integer", "description": "the root quota"},
        "amount": {**MONEY, "description": "the root quota's money"},
        "sample_percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "age_min": {"type": "integer"},
        "age_max": {"type": "integer"},
        "repeat_years": {"type": "integer"},
        "note": {"type": "string"},
    },
    "required": ["name", "occasion", "starts_on", "ends_on", "households"],
}
QUOTA_REQUEST = {
    "type": "object",
    "properties": {
        "centre": {"type": "string", "description": "code of a centre directly below yours"},
        "households": {"type": "integer", "minimum": 0},
        "amount": MONEY,
    },
    "required": ["centre", "households", "amount"],
}
MORE_REQUEST = {
    "type": "object",
    "properties": {
        "households": {"type": "integer", "minimum": 1},
        "amount": MONEY,
        "reason": {"type": "string"},
    },
    "required": ["households", "reason"],
}
NOTE_REQUEST = {"type": "object", "properties": {"note": {"type": "string"}}, "required": ["note"]}
ENTRY_REQUEST = {
    "type": "object",
    "properties": {
        "file_no": {"type": "string"},
        "applicant_id": {"type": "integer"},
        "reason": {"type": "string", "description": "required outside the target group"},
    },
}
REASON_REQUEST = {
    "type": "object",
    "properties": {"reason": {"type": "string"}},
    "required": ["reason"],
}
LIST_ACTION_REQUEST = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "description": "return: what must change"},
        "fund": {"type": "integer", "description": "pay: one of the campaign's funds"},
        "paid_on": {
            "type": "string",
            "format": "date",
            "description": "pay: the day the roster was signed (required)",
        },
    },
}
VISIT_REQUEST = {
    "type": "object",
    "properties": {
        "visited_on": {"type": "string", "format": "date"},
        "visitors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "title": {"type": "string"},
                    "is_leader": {"type": "boolean"},
                },
                "required": ["name"],
            },
        },
        "cash": MONEY,
        "goods": GOODS,
        "is_signed": {"type": "boolean"},
        "no_signature_reason": {"type": "string"},
        "remarks": {"type": "string"},
    },
    "required": ["visited_on", "visitors", "is_signed"],
}
SAMPLE_REQUEST = {
    "type": "object",
    "properties": {
        "size": {"type": "integer", "minimum": 1, "description": "default: the campaign's share"},
        "seed": {"type": "integer", "minimum": 0, "description": "the same seed, the same sample"},
    },
}
RESULT_REQUEST = {
    "type": "object",
    "properties": {
        "result": {
            "type": "string",
            "enum": ["received", "not_received", "problems", "unreachable"],
        },
        "note": {"type": "string", "description": "required for not_received and problems"},
        "outcome": {"type": "string", "description": "closes the open follow-up instead"},
    },
}
CONFLICT = {"description": "Not possible in the current state, or refused by a rule"}


def _money(fen) -> str:
    return fen_to_decimal_str(int(fen or 0))


def _goods_out(goods) -> list[dict]:
    return [
        {"name": g["name"], "quantity": g["quantity"], "unit_value": _money(g["unit_value_fen"])}
        for g in goods or []
    ]


# ---------------------------------------------------------------------------- loading


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not queries.can_see_campaign(current_user, campaign):
        raise NotFound(_("Not found."))
    return campaign


def _list(list_id: int) -> CampaignList:
    clist = db.session.get(CampaignList, list_id)
    if clist is None or not queries.can_see_list(current_user, clist):
        raise NotFound(_("Not found."))
    return clist


def _entry(entry_id: int) -> ListEntry:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None or not queries.can_see_entry(current_user, entry):
        raise NotFound(_("Not found."))
    return entry


def _check(check_id: int) -> SampleCheck:
    check = db.session.get(SampleCheck, check_id)
    if check is None or not check.centre.is_within(current_user.centre):
        raise NotFound(_("Not found."))
    return check


def _centre_below(code: str) -> Centre:
    centre = db.session.scalars(
        select(Centre).where(Centre.code == code, Centre.parent_id == current_user.centre_id)
    ).first()
    if centre is None:
        msg = _("Quotas go to the centres directly below yours.")
        raise ValidationError(msg, fields={"centre": msg})
    return centre


# ---------------------------------------------------------------------------- JSON shapes


def quota_json(quota: Quota) -> dict:
    return {
        "id": quota.id,
        "centre": quota.centre.code,
        "parent_centre": quota.parent.centre.code if quota.parent else None,
        "households": quota.households,
        "amount": _money(quota.amount_fen),
    }


def campaign_json(campaign: Campaign, *, detail: bool = False) -> dict:
    out = {
        "id": campaign.id,
        "name": campaign.name,
        "kind": campaign.kind,
        "occasion": campaign.occasion,
        "year": campaign.year,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "centre": campaign.centre.code,
        "status": campaign.status,
        "cash": _money(campaign.cash_fen),
        "goods": _goods_out(campaign.goods),
        "standard": _money(campaign.standard_fen),
        "rule": campaign.rule,
        "funds": list(campaign.fund_ids or []),
        "sample_percent": campaign.sample_percent,
    }
    if campaign.is_screening:
        out.update(
            age_min=campaign.age_min, age_max=campaign.age_max, repeat_years=campaign.repeat_years
        )
    if detail:
        out["progress"] = [
            {
                "centre": row.centre.code,
                "depth": row.depth,
                "quota_households": row.quota_households,
                "quota_amount": _money(row.quota_fen),
                "listed": row.listed,
                "listed_migrant": row.listed_migrant,
                "approved": row.approved,
                "visited": row.visited,
                "visited_migrant": row.visited_migrant,
                "cash_given": _money(row.cash_fen),
                "goods_given": _money(row.goods_fen),
                "screened": row.screened,
                "list_status": row.list_status or None,
            }
            for row in queries.progress(campaign, current_user)
        ]
    return out


def list_json(clist: CampaignList) -> dict:
    counts = dict(
        db.session.execute(
            select(ListEntry.status, func.count(ListEntry.id))
            .where(ListEntry.list_id == clist.id)
            .group_by(ListEntry.status)
        ).all()
    )
    used = services.quota_use(clist.quota)
    return {
        "id": clist.id,
        "campaign_id": clist.campaign_id,
        "centre": clist.centre.code,
        "status": clist.status,
        "approving_centre": services.approving_centre(clist).code,
        "quota": {**quota_json(clist.quota), "used_households": used.households},
        "counts": {s.value: int(counts.get(s, 0)) for s in EntryStatus},
        "draw": {"state": clist.draw_state or None, "count": clist.draw_count, "ms": clist.draw_ms},
        "return_reason": clist.return_reason or None,
        "submitted_at": iso(clist.submitted_at),
        "approved_at": iso(clist.approved_at),
        "published_at": iso(clist.published_at),
    }


def entry_json(entry: ListEntry) -> dict:
    snap = entry.snapshot or {}
    applicant = entry.applicant
    return {
        "id": entry.id,
        "list_id": entry.list_id,
        "status": entry.status,
        "applicant_id": applicant.id,
        "file_no": snap.get("file_no") or applicant.file_no,
        "name": snap.get("name") or applicant.name,
        "id_number": mask_id(None, snap.get("id_last4") or applicant.id_last4),
        "category": snap.get("category") or applicant.category,
        "employer": snap.get("employer") if entry.snapshot else applicant.employer,
        "is_migrant": entry.is_migrant,
        "is_outside_rule": entry.is_outside_rule,
        "reason": entry.reason or None,
        "removed_reason": entry.removed_reason or None,
        "is_frozen": entry.snapshot is not None,
        "case": (
            {"id": entry.case.id, "case_no": entry.case.case_no, "status": entry.case.status}
            if entry.case
            else None
        ),
        "visit_id": entry.visit.id if entry.visit else None,
    }


def visit_json(visit: Visit) -> dict:
    out = {
        "id": visit.id,
        "entry_id": visit.entry_id,
        "centre": visit.centre.code,
        "visited_on": visit.visited_on.isoformat(),
        "visitors": visit.visitors,
        "cash": _money(visit.cash_fen),
        "goods": _goods_out(visit.goods),
        "goods_value": _money(visit.goods_value_fen),
        "is_signed": visit.is_signed,
        "no_signature_reason": visit.no_signature_reason or None,
        "recorded_at": iso(visit.recorded_at),
        "cash_batch_id": visit.cash_batch_id,
        "goods_batch_id": visit.goods_batch_id,
        "photos": [as_json(a) for a in attachments_of("campaign_visit", visit.id)],
    }
    if current_user.has_role(*SENSITIVE_ROLES):
        out["remarks"] = visit.remarks
    return out


def check_json(check: SampleCheck, *, detail: bool = False) -> dict:
    out = {
        "id": check.id,
        "campaign_id": check.campaign_id,
        "centre": check.centre.code,
        "seed": check.seed,
        "size": check.size,
        "population": check.population,
        "created_at": iso(check.created_at),
    }
    if detail:
        out["counts"] = services.sample_counts(check)
        out["items"] = [
            {
                "id": item.id,
                "visit_id": item.visit_id,
                "centre": item.centre.code,
                "result": item.result,
                "note": item.note or None,
                "followup_open": item.followup_open,
                "followup_outcome": item.followup_outcome or None,
                "checked_at": iso(item.checked_at),
            }
            for item in check.items
        ]
    return out


# ---------------------------------------------------------------------------- campaigns


@api_route(
    "/campaigns",
    tags=TAGS,
    summary="The campaigns the caller sees (run in scope, or above it with a quota in scope)",
    responses={200: {"description": "{items}"}},
)
def list_campaigns():
    require_roles(*READERS)
    rows = db.session.scalars(queries.visible_campaigns(current_user).limit(200)).all()
    return jsonify({"items": [campaign_json(c) for c in rows]})


@api_route(
    "/campaigns",
    methods=["POST"],
    tags=TAGS,
    summary="Open a campaign at the caller's centre (city or district) with its root quota",
    request_schema=CAMPAIGN_REQUEST,
    responses={201: {"description": "the campaign"}},
)
def create_campaign():
    require_roles(Role.SUPERVISOR, Role.ADMIN)
    campaign = services.create_campaign(
        acting_user=current_user, data=forms.campaign_input(json_body())
    )
    db.session.commit()
    return created(campaign_json(campaign, detail=True))


@api_route(
    "/campaigns/<int:campaign_id>",
    tags=TAGS,
    summary="One campaign with its progress per tier (quota, listed, approved, visited, given)",
)
def get_campaign(campaign_id: int):
    require_roles(*READERS)
    return jsonify(campaign_json(_campaign(campaign_id), detail=True))


@api_route(
    "/campaigns/<int:campaign_id>/quotas",
    tags=TAGS,
    summary="The campaign's quotas in the caller's scope",
    responses={200: {"description": "{items}"}},
)
def list_quotas(campaign_id: int):
    require_roles(*READERS)
    campaign = _campaign(campaign_id)
    rows = db.session.scalars(
        scoped(select(Quota).where(Quota.campaign_id == campaign.id), current_user, Quota.centre_id)
        .options(selectinload(Quota.centre), selectinload(Quota.parent))
        .order_by(Quota.id)
    ).all()
    return jsonify({"items": [quota_json(q) for q in rows]})


@api_route(
    "/campaigns/<int:campaign_id>/quotas",
    methods=["POST"],
    tags=TAGS,
    summary="Give (or change) a child centre's quota out of the caller's own",
    request_schema=QUOTA_REQUEST,
    responses={200: {"description": "the child's quota"}, 409: CONFLICT},
)
def set_quota(campaign_id: int):
    require_roles(Role.SUPERVISOR, Role.ADMIN)
    campaign = _campaign(campaign_id)
    own = services.quota_of(campaign, current_user.centre)
    if own is None:
        raise NotFound(_("Your centre has no quota in this campaign."))
    body = json_body()
    child = services.set_quota(
        own,
        _centre_below(forms.text(body, "centre", 40)),
        acting_user=current_user,
        households=forms.integer(body, "households", maximum=1_000_000),
        amount_fen=forms.money(body, "amount"),
    )
    db.session.commit()
    return jsonify(quota_json(child))


@api_route(
    "/campaigns/<int:campaign_id>/quota-requests",
    methods=["POST"],
    tags=TAGS,
    summary="Ask the parent centre to go beyond the caller's quota, with the reason",
    request_schema=MORE_REQUEST,
    responses={201: {"description": "the request"}, 409: CONFLICT},
)
def request_more(campaign_id: int):
    require_roles(Role.SUPERVISOR, Role.CASEWORKER)
    campaign = _campaign(campaign_id)
    own = services.quota_of(campaign, current_user.centre)
    if own is None:
        raise NotFound(_("Your centre has no quota in this campaign."))
    body = json_body()
    req = services.request_more(
        own,
        acting_user=current_user,
        households=forms.integer(body, "households", minimum=1, maximum=1_000_000),
        amount_fen=forms.money(body, "amount", required=False),
        reason=forms.text(body, "reason"),
    )
    db.session.commit()
    return created(_request_json(req))


def _request_json(req: QuotaRequest) -> dict:
    return {
        "id": req.id,
        "centre": req.quota.centre.code,
        "households": req.extra_households,
        "amount": _money(req.extra_amount_fen),
        "reason": req.reason,
        "status": req.status,
        "decision_note": req.decision_note or None,
    }


@api_route(
    "/campaigns/quota-requests/<int:request_id>/actions/<action>",
    methods=["POST"],
    tags=TAGS,
    summary="Approve (out of the parent's own quota) or refuse a request for more",
    request_schema=NOTE_REQUEST,
    responses={200: {"description": "the request"}, 409: CONFLICT},
)
def decide_request(request_id: int, action: str):
    require_roles(Role.SUPERVISOR)
    req = db.session.get(QuotaRequest, request_id)
    if req is None or action not in ("approve", "refuse"):
        raise NotFound(_("Not found."))
    if not req.quota.centre.is_within(current_user.centre):
        raise NotFound(_("Not found."))
    services.decide_request(
        req,
        acting_user=current_user,
        approve=action == "approve",
        note=forms.text(json_body(), "note"),
    )
    db.session.commit()
    return jsonify(_request_json(req))


# ---------------------------------------------------------------------------- lists


@api_route(
    "/campaigns/<int:campaign_id>/lists",
    tags=TAGS,
    summary="The campaign's lists in the caller's scope, with counts",
    responses={200: {"description": "{items}"}},
)
def list_lists(campaign_id: int):
    require_roles(*READERS)
    campaign = _campaign(campaign_id)
    rows = db.session.scalars(
        scoped(
            select(CampaignList).where(CampaignList.campaign_id == campaign.id),
            current_user,
            CampaignList.centre_id,
        ).order_by(CampaignList.id)
    ).all()
    return jsonify({"items": [list_json(c) for c in rows]})


@api_route(
    "/campaigns/<int:campaign_id>/lists",
    methods=["POST"],
    tags=TAGS,
    summary="Open (or return) the caller's centre's list in the campaign",
    responses={201: {"description": "the list"}, 409: CONFLICT},
)
def open_list(campaign_id: int):
    require_roles(Role.CASEWORKER)
    campaign = _campaign(campaign_id)
    clist = services.list_for(campaign, current_user.centre, create_user=current_user)
    db.session.commit()
    return created(list_json(clist))


@api_route("/campaigns/lists/<int:list_id>", tags=TAGS, summary="One list with its counts")
def get_list(list_id: int):
    require_roles(*READERS)
    return jsonify(list_json(_list(list_id)))


@api_route(
    "/campaigns/lists/<int:list_id>/entries",
    tags=TAGS,
    summary="A list's households, 100 at a time (keyset: pass the last id as `after`)",
    parameters=[
        {
            "name": "status",
            "in": "query",
            "schema": {"type": "string", "enum": ["listed", "candidate", "removed"]},
        },
        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    ],
    responses={200: {"description": "{items, next_after}"}},
)
def list_entries(list_id: int):
    require_roles(*READERS)
    clist = _list(list_id)
    status = request.args.get("status", EntryStatus.LISTED)
    if status not in set(EntryStatus):
        msg = _("Unknown status.")
        raise ValidationError(msg, fields={"status": msg})
    after = forms.integer(request.args, "after", default=0, maximum=2**62)
    rows = db.session.scalars(
        select(ListEntry)
        .where(ListEntry.list_id == clist.id, ListEntry.status == status, ListEntry.id > after)
        .options(
            selectinload(ListEntry.applicant),
            selectinload(ListEntry.case),
            selectinload(ListEntry.visit),
        )
        .order_by(ListEntry.id)
        .limit(PAGE)
    ).all()
    return jsonify(
        {
            "items": [entry_json(e) for e in rows],
            "next_after": rows[-1].id if len(rows) == PAGE else None,
        }
    )


@api_route(
    "/campaigns/lists/<int:list_id>/entries",
    methods=["POST"],
    tags=TAGS,
    summary="Put a household on the list (by file number or id); outside the rule, with a reason",
    request_schema=ENTRY_REQUEST,
    responses={201: {"description": "the entry"}, 409: CONFLICT},
)
def add_entry(list_id: int):
    require_roles(Role.CASEWORKER)
    clist = _list(list_id)
    body = json_body()
    stmt = select(Applicant)
    if body.get("applicant_id") not in (None, ""):
        stmt = stmt.where(Applicant.id == forms.integer(body, "applicant_id", maximum=2**62))
    else:
        stmt = stmt.where(Applicant.file_no == forms.text(body, "file_no", 40))
    applicant = db.session.scalars(scoped(stmt, current_user, Applicant.centre_id)).first()
    if applicant is None:
        msg = _("No file with this number in your scope.")
        raise ValidationError(msg, fields={"file_no": msg})
    entry = services.add_entry(
        clist, applicant, acting_user=current_user, reason=forms.text(body, "reason")
    )
    db.session.commit()
    return created(entry_json(entry))


@api_route(
    "/campaigns/entries/<int:entry_id>/remove",
    methods=["POST"],
    tags=TAGS,
    summary="Take a household off the list, with the reason",
    request_schema=REASON_REQUEST,
    responses={200: {"description": "the entry"}, 409: CONFLICT},
)
def remove_entry(entry_id: int):
    require_roles(Role.CASEWORKER)
    entry = _entry(entry_id)
    services.remove_entry(entry, acting_user=current_user, reason=forms.text(json_body(), "reason"))
    db.session.commit()
    return jsonify(entry_json(entry))


@api_route(
    "/campaigns/lists/<int:list_id>/actions/<action>",
    methods=["POST"],
    tags=TAGS,
    summary="Act on a list: draw (background), fill, submit, approve, return, publish or pay",
    request_schema=LIST_ACTION_REQUEST,
    responses={
        200: {"description": "the list after the action (pay adds the batch numbers)"},
        409: CONFLICT,
    },
)
def list_action(list_id: int, action: str):
    if action not in LIST_ACTIONS:
        raise NotFound(_("Unknown action."))
    require_roles(*READERS)
    clist = _list(list_id)
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object."), fields={})
    extra = {}
    if action == "draw":
        require_roles(Role.CASEWORKER)
        jobs.queue_draw(clist, acting_user=current_user)
        db.session.commit()
        jobs.start_draw(clist.id)
        db.session.refresh(clist)
        return jsonify(list_json(clist)), 202
    if action == "fill":
        services.fill_from_candidates(clist, acting_user=current_user)
    elif action == "submit":
        services.submit_list(clist, acting_user=current_user)
    elif action == "approve":
        services.approve_list(clist, acting_user=current_user)
    elif action == "return":
        services.return_list(clist, acting_user=current_user, reason=forms.text(body, "reason"))
    elif action == "publish":
        services.publish_list(clist, acting_user=current_user)
    else:
        fund_id = forms.integer(body, "fund", maximum=2**62)
        fund = db.session.get(Fund, fund_id)
        if fund is None:
            msg = _("Choose one of the campaign's funds.")
            raise ValidationError(msg, fields={"fund": msg})
        made = services.pay_list(
            clist,
            acting_user=current_user,
            fund=fund,
            paid_on=forms.day(body, "paid_on"),
        )
        extra["batches"] = [b.batch_no for b in made]
    db.session.commit()
    return jsonify({**list_json(clist), **extra})


# ---------------------------------------------------------------------------- visits


@api_route(
    "/campaigns/entries/<int:entry_id>",
    tags=TAGS,
    summary="One household on a list, with its visit when recorded",
)
def get_entry(entry_id: int):
    require_roles(*READERS)
    entry = _entry(entry_id)
    return jsonify({**entry_json(entry), "visit": visit_json(entry.visit) if entry.visit else None})


@api_route(
    "/campaigns/entries/<int:entry_id>/visit",
    methods=["POST"],
    tags=TAGS,
    summary="Record the home visit once the household's notice has ended",
    request_schema=VISIT_REQUEST,
    responses={201: {"description": "the visit"}, 409: CONFLICT},
)
def record_visit(entry_id: int):
    require_roles(Role.CASEWORKER, Role.SUPERVISOR)
    entry = _entry(entry_id)
    visit = services.record_visit(
        entry, acting_user=current_user, data=forms.visit_input(json_body())
    )
    db.session.commit()
    return created(visit_json(visit))


@api_route(
    "/campaigns/visits/<int:visit_id>/photos",
    methods=["POST"],
    tags=TAGS,
    summary="Add a photo to a visit (multipart/form-data: file); JPEG or PNG, metadata stripped",
    responses={
        201: {"description": "the stored photo"},
        422: {"description": "refused: type by content, size"},
    },
)
def add_photo(visit_id: int):
    require_roles(Role.CASEWORKER, Role.SUPERVISOR)
    visit = db.session.get(Visit, visit_id)
    if visit is None or not queries.can_see_entry(current_user, visit.entry):
        raise NotFound(_("Not found."))
    if not VISIT_OWNER.can_change(current_user, visit):
        raise NotFound(_("Not found."))
    photo = store_attachment(
        request.files.get("file"),
        acting_user=current_user,
        owner_type="campaign_visit",
        owner=visit,
        kind=AttachmentKind.OTHER,
        images_only=True,
    )
    db.session.commit()
    return created(as_json(photo))


# ---------------------------------------------------------------------------- sample checks


@api_route(
    "/campaigns/<int:campaign_id>/samples",
    tags=TAGS,
    summary="The sample checks drawn in the caller's scope",
    responses={200: {"description": "{items}"}},
)
def list_samples(campaign_id: int):
    require_roles(*READERS)
    campaign = _campaign(campaign_id)
    rows = db.session.scalars(
        scoped(
            select(SampleCheck).where(SampleCheck.campaign_id == campaign.id),
            current_user,
            SampleCheck.centre_id,
        ).order_by(SampleCheck.id.desc())
    ).all()
    return jsonify({"items": [check_json(c) for c in rows]})


@api_route(
    "/campaigns/<int:campaign_id>/samples",
    methods=["POST"],
    tags=TAGS,
    summary="Draw a reproducible random sample of the visited households under your centre",
    request_schema=SAMPLE_REQUEST,
    responses={201: {"description": "the sample with its items"}, 409: CONFLICT},
)
def create_sample(campaign_id: int):
    require_roles(Role.SUPERVISOR, Role.AUDITOR)
    campaign = _campaign(campaign_id)
    body = json_body()
    check = services.create_sample_check(
        campaign,
        acting_user=current_user,
        size=forms.integer(body, "size", required=False, minimum=1, maximum=100_000),
        seed=forms.integer(body, "seed", required=False, maximum=2**62),
    )
    db.session.commit()
    return created(check_json(check, detail=True))


@api_route(
    "/campaigns/samples/<int:check_id>",
    tags=TAGS,
    summary="One sample check: its households and the results per centre",
)
def get_sample(check_id: int):
    require_roles(*READERS)
    return jsonify(check_json(_check(check_id), detail=True))


@api_route(
    "/campaigns/sample-items/<int:item_id>",
    methods=["POST"],
    tags=TAGS,
    summary="Record what a re-contact found (problems open a follow-up), or close the follow-up",
    request_schema=RESULT_REQUEST,
    responses={200: {"description": "the sample check"}, 409: CONFLICT},
)
def sample_result(item_id: int):
    require_roles(Role.SUPERVISOR, Role.CASEWORKER, Role.AUDITOR)
    item = db.session.get(SampleItem, item_id)
    if item is None:
        raise NotFound(_("Not found."))
    check = _check(item.check_id)
    body = json_body()
    if body.get("outcome") is not None:
        services.close_followup(item, acting_user=current_user, outcome=forms.text(body, "outcome"))
    else:
        services.record_result(
            item,
            acting_user=current_user,
            result=forms.text(body, "result", 20),
            note=forms.text(body, "note"),
        )
    db.session.commit()
    return jsonify(check_json(check, detail=True))
