"""GET /api/v1/stats: the dashboard's figures as JSON."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from assist.api import api_route, require_roles
from assist.centres.models import Centre
from assist.core.errors import NotFound
from assist.core.scoping import centre_in_scope
from assist.extensions import db
from assist.stats import services
from assist.stats.documents import READ_ROLES

PARAMS = [
    {"name": "centre", "in": "query", "schema": {"type": "string"}, "description": "centre code"},
    {"name": "from", "in": "query", "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}},
    {"name": "to", "in": "query", "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}},
]


@api_route(
    "/stats",
    tags=["stats"],
    summary="Dashboard figures for a centre's subtree and a period (as of computed_at)",
    parameters=PARAMS,
    responses={200: {"description": "{centre, from, to, computed_at, sections: [...]}"}},
)
def stats():
    require_roles(*READ_ROLES)
    code = str(request.args.get("centre") or "").strip().upper()
    centre = current_user.centre
    if code:
        centre = db.session.scalars(select(Centre).where(Centre.code == code)).first()
        if not centre_in_scope(current_user, centre):
            raise NotFound(_("There is no such page or record."))
    period = services.parse_period(request.args.get("from"), request.args.get("to"))
    board = services.dashboard(centre, period)
    db.session.commit()
    return jsonify(board.as_json())
