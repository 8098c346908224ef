"""The pairing endpoints of the JSON API (/api/v1/pairings…): pairs, contacts, overdue.

Scope is the pages' scope: a pair is seen by its household's centre and the centres above
it, and by the centre it was escalated to. IDs are masked; the plan is shown to the roles
that read the pairing pages.
"""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from assist.api import api_route, created, fields, listing, require_roles
from assist.api.core import iso
from assist.applicants.models import Applicant
from assist.auth.models import Role, User
from assist.core.errors import NotFound, ValidationError
from assist.core.masking import mask_id
from assist.core.scoping import scoped
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.pairings import queries, services
from assist.pairings.models import Contact, Pair

TAGS = ["pairings"]
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)
WORKERS = (Role.CASEWORKER, Role.SUPERVISOR)
VIEWS = ("overdue", "active", "escalated", "unpaired")
PAGE = 100

PAIR_REQUEST = fields.Schema(
    applicant_id=fields.Id(required=True),
    helper_kind=fields.Choice(["cadre", "person", "enterprise"], required=True),
    helper_username=fields.Text(64, description="cadre: the helper's username"),
    helper_name=fields.Text(80, description="person or enterprise"),
    helper_title=fields.Text(80),
    started_on=fields.Day(),
    cadence_days=fields.Integer(minimum=7, maximum=366),
    plan_cause=fields.Text(required=True),
    plan_need=fields.Text(required=True),
    plan_measures=fields.Text(required=True),
    plan_goal=fields.Text(required=True),
)
CONTACT_REQUEST = fields.Schema(
    contacted_on=fields.Day(required=True),
    mode=fields.Choice(["visit", "call"], required=True),
    done=fields.Text(required=True),
    next_due_on=fields.Day(description="default: cadence"),
)
END_REQUEST = fields.Schema(result=fields.Text(required=True))
PAGE_PARAMS = fields.Schema(**listing.page_fields(per_page=PAGE, max_per_page=PAGE))
LIST_PARAMS = fields.Schema(
    view=fields.Choice(list(VIEWS), default="overdue"), **PAGE_PARAMS.fields
)
LIST_RESPONSE = {
    200: {
        "description": "{view, counts, items, per_page, total, total_is_capped, next}: oldest "
        "first; `next` is the cursor of the following page (null on the last)"
    }
}
CONFLICT = {"description": "Not possible in the current state, or refused by a rule"}


def _household(applicant: Applicant) -> dict:
    return {
        "id": applicant.id,
        "file_no": applicant.file_no,
        "name": applicant.name,
        "id_number": mask_id(None, applicant.id_last4),
        "status": applicant.status,
        "is_migrant": applicant.is_migrant_worker,
    }


def pair_json(pair: Pair, *, detail: bool = False) -> dict:
    today = local_today()
    out = {
        "id": pair.id,
        "centre": pair.centre.code,
        "household": _household(pair.applicant),
        "helper": {
            "kind": pair.helper_kind,
            "name": pair.helper_name,
            "title": pair.helper_title or None,
            "username": pair.helper_user.username if pair.helper_user else None,
        },
        "started_on": pair.started_on.isoformat(),
        "ended_on": pair.ended_on.isoformat() if pair.ended_on else None,
        "end_result": pair.end_result or None,
        "cadence_days": pair.cadence_days,
        "last_contact_on": pair.last_contact_on.isoformat() if pair.last_contact_on else None,
        "next_due_on": pair.next_due_on.isoformat(),
        "is_overdue": pair.is_active and pair.next_due_on < today,
        "days_overdue": max((today - pair.next_due_on).days, 0) if pair.is_active else 0,
        "escalated_on": pair.escalated_on.isoformat() if pair.escalated_on else None,
        "escalated_to": pair.escalated_to.code if pair.escalated_to else None,
    }
    if detail:
        out["plan"] = {
            "cause": pair.plan_cause,
            "need": pair.plan_need,
            "measures": pair.plan_measures,
            "goal": pair.plan_goal,
        }
        out["contacts"] = [contact_json(c) for c in pair.contacts[:PAGE]]
    return out


def contact_json(contact: Contact) -> dict:
    return {
        "id": contact.id,
        "contacted_on": contact.contacted_on.isoformat(),
        "mode": contact.mode,
        "done": contact.done,
        "next_due_on": contact.next_due_on.isoformat(),
        "recorded_by": contact.recorded_by.username if contact.recorded_by else None,
        "recorded_at": iso(contact.recorded_at),
    }


def _pair(pair_id: int) -> Pair:
    pair = db.session.get(Pair, pair_id)
    if pair is None or not (
        pair.centre.is_within(current_user.centre)
        or (pair.escalated_to is not None and pair.escalated_to.is_within(current_user.centre))
    ):
        raise NotFound(_("Not found."))
    return pair


def _count(stmt) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())))


@api_route(
    "/pairings",
    tags=TAGS,
    summary="Pairs in scope: overdue (default), active, escalated, or files without a helper",
    parameters=LIST_PARAMS,
    responses=LIST_RESPONSE,
)
def list_pairs():
    require_roles(*READERS)
    args = LIST_PARAMS.args()
    return _listing(args.view, args)


def _listing(view: str, args):
    today = local_today()
    stmts = {
        "overdue": queries.overdue_pairs(current_user, today),
        "active": queries.active_pairs(current_user),
        "escalated": queries.escalated_pairs(current_user),
        "unpaired": queries.files_without_helper(current_user),
    }
    counts = {key: _count(stmt) for key, stmt in stmts.items()}
    counts["active_migrant"] = _count(
        queries.active_pairs(current_user)
        .join(Applicant, Applicant.id == Pair.applicant_id)
        .where(Applicant.is_migrant_worker.is_(True))
    )
    model, serialise = (Applicant, _household) if view == "unpaired" else (Pair, pair_json)
    return listing.list_response(
        stmts[view],
        serialise,
        key=model.id,
        args=args,
        newest_first=False,
        view=view,
        counts=counts,
    )


@api_route(
    "/pairings/overdue",
    tags=TAGS,
    summary="Active pairs in scope whose next contact is past due",
    parameters=PAGE_PARAMS,
    responses=LIST_RESPONSE,
)
def overdue_pairs():
    require_roles(*READERS)
    return _listing("overdue", PAGE_PARAMS.args())


@api_route(
    "/pairings",
    methods=["POST"],
    tags=TAGS,
    summary="Pair an active household with a named helper and its one-household plan",
    request_schema=PAIR_REQUEST,
    responses={201: {"description": "the pair"}, 409: CONFLICT},
)
def open_pair():
    require_roles(*WORKERS)
    body = PAIR_REQUEST.body()
    applicant = db.session.scalars(
        scoped(
            select(Applicant).where(Applicant.id == body.applicant_id),
            current_user,
            Applicant.centre_id,
        )
    ).first()
    if applicant is None:
        msg = _("No such file in your scope.")
        raise ValidationError(msg, fields={"applicant_id": msg})
    helper_user = None
    username = body.helper_username
    if username:
        helper_user = db.session.scalars(select(User).where(User.username == username)).first()
    pair = services.open_pair(
        applicant,
        acting_user=current_user,
        data=services.PairInput(
            helper_kind=body.helper_kind,
            helper_name=body.helper_name,
            helper_title=body.helper_title,
            helper_user=helper_user,
            started_on=body.started_on,
            cadence_days=body.cadence_days,
            plan_cause=body.plan_cause,
            plan_need=body.plan_need,
            plan_measures=body.plan_measures,
            plan_goal=body.plan_goal,
        ),
    )
    db.session.commit()
    return created(pair_json(pair, detail=True))


@api_route("/pairings/<int:pair_id>", tags=TAGS, summary="One pair with its plan and contacts")
def get_pair(pair_id: int):
    return listing.detail_response(
        lambda: _pair(pair_id), lambda pair: pair_json(pair, detail=True), roles=READERS
    )


@api_route(
    "/pairings/<int:pair_id>/contacts",
    methods=["POST"],
    tags=TAGS,
    summary="Log a visit or call; the next contact falls due after the cadence unless given",
    request_schema=CONTACT_REQUEST,
    responses={201: {"description": "the pair"}, 409: CONFLICT},
)
def log_contact(pair_id: int):
    require_roles(*WORKERS)
    pair = _pair(pair_id)
    body = CONTACT_REQUEST.body()
    services.log_contact(
        pair,
        acting_user=current_user,
        contacted_on=body.contacted_on,
        mode=body.mode,
        done=body.done,
        next_due_on=body.next_due_on,
    )
    db.session.commit()
    db.session.refresh(pair)
    return created(pair_json(pair, detail=True))


@api_route(
    "/pairings/<int:pair_id>/end",
    methods=["POST"],
    tags=TAGS,
    summary="End a pair with its result",
    request_schema=END_REQUEST,
    responses={200: {"description": "the pair"}, 409: CONFLICT},
)
def end_pair(pair_id: int):
    require_roles(*WORKERS)
    pair = _pair(pair_id)
    services.end_pair(pair, acting_user=current_user, result=END_REQUEST.body().result)
    db.session.commit()
    return jsonify(pair_json(pair, detail=True))
