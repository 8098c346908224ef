"""The campaign endpoints of the JSON API (/api/v1/campaigns…).

The JSON bodies are read by the API's declared fields (assist.api.fields); the same services
as the pages act, so a rule and its refusal are written once. Scope is the pages' scope:
outside it a campaign, list, entry, visit or sample answers 404. Resident IDs are masked,
and the remarks of a visit (they can name an illness) go only to caseworkers and supervisors.
"""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assist.api import api_route, created, fields, job_started, listing, require_roles
from assist.api.core import iso
from assist.applicants.models import Applicant
from assist.applicants.services import SENSITIVE_ROLES
from assist.attachments.models import AttachmentKind
from assist.attachments.services import as_json, attachments_of, store_attachment
from assist.auth.models import Role
from assist.campaigns import jobs, queries, services
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
from assist.core.errors import NotFound, ValidationError
from assist.core.masking import mask_id
from assist.core.scoping import scoped
from assist.extensions import db
from assist.funds.models import Fund

TAGS = ["campaigns"]
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
LIST_ACTIONS = ("draw", "fill", "submit", "approve", "return", "publish", "pay")
PAGE = 100

GOODS_LINE = fields.Schema(
    name=fields.Text(80, required=True),
    quantity=fields.Integer(minimum=1, maximum=1000, required=True),
    unit_value=fields.Money(required=True),
)
GOODS = fields.ListOf(GOODS_LINE, max_items=12, description="the goods pack per household")
CAMPAIGN_REQUEST = fields.Schema(
    name=fields.Text(120, required=True),
    kind=fields.Choice(["warmth", "screening"], default="warmth"),
    occasion=fields.Choice(
        ["spring_festival", "mid_autumn", "summer_heat", "school_start", "health", "other"],
        required=True,
    ),
    starts_on=fields.Day(required=True),
    ends_on=fields.Day(required=True),
    cash=fields.Money(default=0, description="cash per household"),
    goods=GOODS,
    categories=fields.ListOf(fields.Text(40), max_items=20),
    causes=fields.ListOf(fields.Text(40), max_items=20),
    migrant=fields.Bool(),
    women=fields.Bool(),
    model=fields.Bool(),
    employer=fields.Text(120),
    hand_picked=fields.Bool(),
    funds=fields.ListOf(fields.Id(), max_items=20),
    households=fields.Integer(maximum=1_000_000, required=True, description="the root quota"),
    amount=fields.Money(default=0, description="the root quota's money"),
    sample_percent=fields.Integer(maximum=100, default=10),
    age_min=fields.Integer(maximum=100, default=35),
    age_max=fields.Integer(maximum=100, default=64),
    repeat_years=fields.Integer(maximum=10, default=3),
    note=fields.Text(),
)
QUOTA_REQUEST = fields.Schema(
    centre=fields.Centre(below=True, required=True, description="a centre directly below yours"),
    households=fields.Integer(maximum=1_000_000, required=True),
    amount=fields.Money(required=True),
)
MORE_REQUEST = fields.Schema(
    households=fields.Integer(minimum=1, maximum=1_000_000, required=True),
    amount=fields.Money(default=0),
    reason=fields.Text(required=True),
)
NOTE_REQUEST = fields.Schema(note=fields.Text())
ENTRY_REQUEST = fields.Schema(
    file_no=fields.Text(40),
    applicant_id=fields.Id(),
    reason=fields.Text(description="required outside the target group"),
)
ENTRY_PARAMS = fields.Schema(
    status=fields.Choice([s.value for s in EntryStatus], default=EntryStatus.LISTED.value),
    **listing.page_fields(per_page=PAGE, max_per_page=PAGE),
)
#: A campaign's quotas, lists and sample checks: PAGE at a time (follow `next` with `after`).
PAGE_PARAMS = fields.Schema(**listing.page_fields(per_page=PAGE, max_per_page=PAGE))
#: Campaigns: 200 a page, as many as the list showed before it paged.
CAMPAIGN_PARAMS = fields.Schema(**listing.page_fields(per_page=200, max_per_page=200))
REASON_REQUEST = fields.Schema(reason=fields.Text(required=True))
LIST_ACTION_REQUEST = fields.Schema(
    reason=fields.Text(description="return: what must change"),
    fund=fields.Id(description="pay: one of the campaign's funds"),
    paid_on=fields.Day(description="pay: the day the roster was signed (required)"),
)
VISIT_REQUEST = fields.Schema(
    visited_on=fields.Day(required=True),
    visitors=fields.ListOf(
        fields.Schema(name=fields.Text(50), title=fields.Text(50), is_leader=fields.Bool()),
        max_items=8,
    ),
    cash=fields.Money(default=0),
    goods=fields.ListOf(GOODS_LINE, max_items=12),
    is_signed=fields.Bool(),
    no_signature_reason=fields.Text(200),
    remarks=fields.Text(),
)
SAMPLE_REQUEST = fields.Schema(
    size=fields.Integer(minimum=1, maximum=100_000, description="default: the campaign's share"),
    seed=fields.Integer(description="the same seed, the same sample"),
)
RESULT_REQUEST = fields.Schema(
    result=fields.Choice(["received", "not_received", "problems", "unreachable"]),
    note=fields.Text(description="required for not_received and problems"),
    outcome=fields.Text(description="closes the open follow-up instead"),
)
CONFLICT = {"description": "Not possible in the current state, or refused by a rule"}


def _money(fen) -> str:
    return fields.money_out(int(fen or 0))


def _goods_in(lines) -> list[dict]:
    return [{"name": g.name, "quantity": g.quantity, "unit_value_fen": g.unit_value} for g in lines]


def _goods_out(goods) -> list[dict]:
    return [
        {"name": g["name"], "quantity": g["quantity"], "unit_value": _money(g["unit_value_fen"])}
        for g in goods or []
    ]


# ---------------------------------------------------------------------------- loading


def _campaign(campaign_id: int) -> Campaign:
    campaign = queries.visible_campaign(current_user, campaign_id)
    if campaign is None:
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
    counts = services.entry_counts(clist)
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
    summary="The campaigns the caller sees (run in scope, or above it with a quota in scope), "
    "latest start first, 200 at a time (follow `next` with `after`)",
    parameters=CAMPAIGN_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_campaigns():
    require_roles(*READERS)
    return listing.list_response(
        queries.visible_campaigns(current_user),
        campaign_json,
        key=(Campaign.starts_on, Campaign.id),
        args=CAMPAIGN_PARAMS.args(),
    )


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
    body = CAMPAIGN_REQUEST.body()
    data = services.CampaignInput(
        name=body.name,
        kind=body.kind,
        occasion=body.occasion,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        cash_fen=body.cash,
        goods=_goods_in(body.goods),
        rule={key: body[key] for key in services.RULE_KEYS},
        fund_ids=body.funds,
        households=body.households,
        amount_fen=body.amount,
        sample_percent=body.sample_percent,
        age_min=body.age_min,
        age_max=body.age_max,
        repeat_years=body.repeat_years,
        note=body.note,
    )
    campaign = services.create_campaign(acting_user=current_user, data=data)
    db.session.commit()
    return created(campaign_json(campaign, detail=True))


@api_route(
    "/campaigns/<int:campaign_id>",
    tags=TAGS,
    summary="One campaign with its progress per tier (quota, listed, approved, visited, given)",
)
def get_campaign(campaign_id: int):
    return listing.detail_response(
        lambda: _campaign(campaign_id),
        lambda campaign: campaign_json(campaign, detail=True),
        roles=READERS,
    )


@api_route(
    "/campaigns/<int:campaign_id>/quotas",
    tags=TAGS,
    summary="The campaign's quotas in the caller's scope, 100 at a time (follow `next`)",
    parameters=PAGE_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_quotas(campaign_id: int):
    require_roles(*READERS)
    campaign = _campaign(campaign_id)
    args = PAGE_PARAMS.args()
    stmt = scoped(
        select(Quota).where(Quota.campaign_id == campaign.id), current_user, Quota.centre_id
    ).options(selectinload(Quota.centre), selectinload(Quota.parent))
    return listing.list_response(stmt, quota_json, key=Quota.id, args=args, newest_first=False)


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
    body = QUOTA_REQUEST.body()
    child = services.set_quota(
        own,
        body.centre,
        acting_user=current_user,
        households=body.households,
        amount_fen=body.amount,
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
    body = MORE_REQUEST.body()
    req = services.request_more(
        own,
        acting_user=current_user,
        households=body.households,
        amount_fen=body.amount,
        reason=body.reason,
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
        note=NOTE_REQUEST.body().note,
    )
    db.session.commit()
    return jsonify(_request_json(req))


# ---------------------------------------------------------------------------- lists


@api_route(
    "/campaigns/<int:campaign_id>/lists",
    tags=TAGS,
    summary="The campaign's lists in the caller's scope, with counts, 100 at a time",
    parameters=PAGE_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_lists(campaign_id: int):
    require_roles(*READERS)
    campaign = _campaign(campaign_id)
    args = PAGE_PARAMS.args()
    stmt = scoped(
        select(CampaignList).where(CampaignList.campaign_id == campaign.id),
        current_user,
        CampaignList.centre_id,
    )
    return listing.list_response(
        stmt, list_json, key=CampaignList.id, args=args, newest_first=False
    )


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
    return listing.detail_response(lambda: _list(list_id), list_json, roles=READERS)


@api_route(
    "/campaigns/lists/<int:list_id>/entries",
    tags=TAGS,
    summary="A list's households, 100 at a time, in list order (follow `next` with `after`)",
    parameters=ENTRY_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_entries(list_id: int):
    require_roles(*READERS)
    clist = _list(list_id)
    args = ENTRY_PARAMS.args()
    stmt = (
        select(ListEntry)
        .where(ListEntry.list_id == clist.id, ListEntry.status == args.status)
        .options(
            selectinload(ListEntry.applicant),
            selectinload(ListEntry.case),
            selectinload(ListEntry.visit),
        )
    )
    return listing.list_response(stmt, entry_json, key=ListEntry.id, args=args, newest_first=False)


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
    body = ENTRY_REQUEST.body()
    stmt = select(Applicant)
    if body.applicant_id is not None:
        stmt = stmt.where(Applicant.id == body.applicant_id)
    else:
        stmt = stmt.where(Applicant.file_no == body.file_no)
    applicant = db.session.scalars(scoped(stmt, current_user, Applicant.centre_id)).first()
    if applicant is None:
        msg = _("No file with this number in your scope.")
        raise ValidationError(msg, fields={"file_no": msg})
    entry = services.add_entry(clist, applicant, acting_user=current_user, reason=body.reason)
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
    services.remove_entry(entry, acting_user=current_user, reason=REASON_REQUEST.body().reason)
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
    body = LIST_ACTION_REQUEST.body()
    extra = {}
    if action == "draw":
        require_roles(Role.CASEWORKER)
        jobs.queue_draw(clist, acting_user=current_user)
        return job_started(clist, list_json, then=lambda: jobs.start_draw(clist.id))
    if action == "fill":
        services.fill_from_candidates(clist, acting_user=current_user)
    elif action == "submit":
        services.submit_list(clist, acting_user=current_user)
    elif action == "approve":
        services.approve_list(clist, acting_user=current_user)
    elif action == "return":
        services.return_list(clist, acting_user=current_user, reason=body.reason)
    elif action == "publish":
        services.publish_list(clist, acting_user=current_user)
    else:
        fund = db.session.get(Fund, body.fund) if body.fund is not None else None
        if fund is None:
            msg = _("Choose one of the campaign's funds.")
            raise ValidationError(msg, fields={"fund": msg})
        made = services.pay_list(
            clist,
            acting_user=current_user,
            fund=fund,
            paid_on=body.paid_on,
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
    body = VISIT_REQUEST.body()
    data = services.VisitInput(
        visited_on=body.visited_on,
        visitors=[dict(v) for v in body.visitors],
        cash_fen=body.cash,
        goods=_goods_in(body.goods),
        is_signed=body.is_signed,
        no_signature_reason=body.no_signature_reason,
        remarks=body.remarks,
    )
    visit = services.record_visit(entry, acting_user=current_user, data=data)
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
    summary="The sample checks drawn in the caller's scope, newest first, 100 at a time",
    parameters=PAGE_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_samples(campaign_id: int):
    require_roles(*READERS)
    campaign = _campaign(campaign_id)
    args = PAGE_PARAMS.args()
    stmt = scoped(
        select(SampleCheck).where(SampleCheck.campaign_id == campaign.id),
        current_user,
        SampleCheck.centre_id,
    )
    return listing.list_response(stmt, check_json, key=SampleCheck.id, args=args)


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
    body = SAMPLE_REQUEST.body()
    check = services.create_sample_check(
        campaign, acting_user=current_user, size=body.size, seed=body.seed
    )
    db.session.commit()
    return created(check_json(check, detail=True))


@api_route(
    "/campaigns/samples/<int:check_id>",
    tags=TAGS,
    summary="One sample check: its households and the results per centre",
)
def get_sample(check_id: int):
    return listing.detail_response(
        lambda: _check(check_id), lambda check: check_json(check, detail=True), roles=READERS
    )


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
    body = RESULT_REQUEST.body()
    if "outcome" in body.sent and body.outcome is not None:
        services.close_followup(item, acting_user=current_user, outcome=body.outcome)
    else:
        services.record_result(item, acting_user=current_user, result=body.result, note=body.note)
    db.session.commit()
    return jsonify(check_json(check, detail=True))
