"""Search through the JSON API: POST only, so a full ID never travels in a URL."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from assist.api import api_route, fields
from assist.core.errors import PermissionDenied
from assist.search import registry

SEARCH_REQUEST = fields.Schema(
    q=fields.Text(
        60,
        required=True,
        description="a name, a full or last-4 ID, a phone, a file, case or payment number",
    ),
)


@api_route(
    "/search",
    methods=["POST"],
    tags=["search"],
    summary="Find records within the token's scope (results masked as on the pages)",
    request_schema=SEARCH_REQUEST,
)
def search():
    body = SEARCH_REQUEST.body()
    if not registry.providers_for(current_user):
        raise PermissionDenied(_("Your role has nothing to search."))
    hits = registry.search(current_user, body.q)
    return jsonify(
        {
            "results": [
                {"kind": h.kind, "record": h.record, "title": h.title, "url": h.url, "note": h.note}
                for h in hits
            ],
            "limit": registry.LIMIT,
        }
    )
