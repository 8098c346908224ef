"""The JSON API under /api/v1: bearer tokens, one error shape, and the OpenAPI document.

Each domain adds its endpoints with `api_route` in its own `api.py`, which also documents
them in the OpenAPI document.
"""

import re

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from assist.core.errors import PermissionDenied, ValidationError
from assist.core.web import api_error
from assist.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

#: Endpoints reachable without a bearer token.
PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi"}

SPEC: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "Assist API",
        "version": "1",
        "description": "Hardship-assistance case management. Amounts are answered as yuan "
        'strings with two decimals ("1500.00") and taken as such strings (at most two '
        "decimals) or as whole numbers of yuan; times are ISO 8601 in UTC. Errors come as "
        '{"error": {"code", "message", "fields"}}; a 422 names every wrong field.',
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                        "required": ["code", "message", "fields"],
                    }
                },
            }
        },
    },
    "paths": {},
}

_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_ERROR_REF = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def api_route(
    rule: str,
    *,
    methods=("GET",),
    summary: str,
    tags=(),
    request_schema=None,
    responses: dict | None = None,
    public: bool = False,
    parameters=(),
    form_schema=None,
    files=(),
):
    """Route a view on the API blueprint and describe it in the OpenAPI document.

    `request_schema` and `parameters` take an `assist.api.fields.Schema` (the declaration the
    view parses its input with), so the document is written from the code that reads it;
    `form_schema` (with the names of its `files`) does the same for a multipart upload.
    """
    from assist.api.fields import Schema

    takes_input = request_schema is not None or bool(parameters) or form_schema is not None
    if isinstance(request_schema, Schema):
        request_schema = request_schema.json()
    if isinstance(parameters, Schema):
        parameters = parameters.parameters()

    def decorator(view):
        endpoint = view.__name__
        bp.add_url_rule(rule, endpoint, view, methods=list(methods))
        if public:
            PUBLIC_ENDPOINTS.add(f"api.{endpoint}")
        path = _CONVERTER.sub(r"{\1}", rule)
        path_params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _CONVERTER.findall(rule)
        ]
        for param, name in zip(path_params, _CONVERTER.findall(rule), strict=True):
            if f"<int:{name}>" in rule:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
        for method in methods:
            op = {
                "summary": summary,
                "operationId": f"{endpoint}_{method.lower()}",
                "tags": list(tags),
                "parameters": path_params + list(parameters),
                "responses": {
                    str(k): v for k, v in (responses or {"200": {"description": "OK"}}).items()
                },
            }
            for status, text in (
                ("401", "No valid token"),
                ("403", "Role not allowed"),
                ("404", "Not found or outside your scope"),
            ):
                if not public:
                    op["responses"].setdefault(status, {"description": text, **_ERROR_REF})
            if request_schema is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": request_schema}},
                }
            if takes_input:
                op["responses"].setdefault("422", {"description": "Invalid input", **_ERROR_REF})
            if form_schema is not None:
                multipart = form_schema.json()
                for name in files:
                    multipart["properties"][name] = {"type": "string", "format": "binary"}
                op["requestBody"] = {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": multipart}},
                }
            if public:
                op["security"] = []
            SPEC["paths"].setdefault(path, {})[method.lower()] = op
        return view

    return decorator


@bp.before_request
def _authenticate():
    """Accept only `Authorization: Bearer …`; the session cookie means nothing here."""
    g.api_user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    from assist.auth.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        db.session.rollback()
        return api_error(401, "unauthorized", _("A valid bearer token is required."))
    if db.session.dirty:
        db.session.commit()  # records last_used_at (at most once a minute per token)
    g.api_user = user
    g._login_user = user  # current_user for this request only; no session is touched
    return None


def json_body() -> dict:
    """Return the request's JSON object, or refuse with 422."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object."), fields={})
    return body


def require_roles(*roles) -> None:
    if not current_user.has_role(*roles):
        raise PermissionDenied(_("Your role does not allow this."))


def created(payload: dict):
    return jsonify(payload), 201


def job_started(record, payload, *, status: int = 202, then=None):
    """Answer a request that handed work to the job engine, in one shape.

    Commit (the engine sees the job only then), run `then` (what wakes the engine, where
    that comes after the commit), read `record` back (the engine may have moved it on
    already) and answer `payload(record)` with `status` (202; an export answers 201), its
    `status_url`, where it has one, also as the Location to follow."""
    db.session.commit()  # hands the job to the engine
    if then is not None:
        then()
    db.session.refresh(record)
    body = payload(record)
    response = jsonify(body)
    response.status_code = status
    if body.get("status_url"):
        response.headers["Location"] = body["status_url"]
    return response
