"""GET /api/v1/stats: the dashboard's figures as JSON."""

from flask import jsonify
from flask_login import current_user

from assist.api import api_route, fields, require_roles
from assist.extensions import db
from assist.stats import services
from assist.stats.documents import READ_ROLES

PARAMS = fields.Schema(
    centre=fields.Centre(outside_is_404=True),
    **{
        "from": fields.Text(7, pattern=r"^\d{4}-\d{2}$"),
        "to": fields.Text(7, pattern=r"^\d{4}-\d{2}$"),
    },
)


@api_route(
    "/stats",
    tags=["stats"],
    summary="Dashboard figures for a centre's subtree and a period (as of computed_at)",
    parameters=PARAMS,
    responses={200: {"description": "{centre, from, to, computed_at, sections: [...]}"}},
)
def stats():
    require_roles(*READ_ROLES)
    args = PARAMS.args()
    centre = args.centre or current_user.centre
    period = services.parse_period(args["from"] or None, args.to or None)
    board = services.dashboard(centre, period)
    db.session.commit()
    return jsonify(board.as_json())
