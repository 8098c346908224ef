"""The foundation's API endpoints: tokens, the caller, the centres, the OpenAPI document."""

from flask import g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from assist.api import SPEC, api_route, created, fields
from assist.auth import services as auth_services
from assist.auth.views import throttle_account, throttle_address
from assist.centres.scoping import scoped_centres
from assist.extensions import db

TOKEN_REQUEST = fields.Schema(
    username=fields.Text(64, required=True), password=fields.Text(200, required=True, verbatim=True)
)


def iso(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


@api_route(
    "/auth/token",
    methods=["POST"],
    public=True,
    tags=["auth"],
    summary="Exchange a username and password for a bearer token",
    request_schema=TOKEN_REQUEST,
    responses={
        201: {"description": "token issued: {token, expires_at}"},
        401: {"description": "wrong credentials"},
        429: {"description": "too many failed attempts"},
    },
)
@throttle_account
@throttle_address
def issue_token():
    body = TOKEN_REQUEST.body()
    username, password = body.username, body.password
    user = auth_services.authenticate(username, password)
    if user is None:
        db.session.commit()
        g.login_failed = True
        from assist.core.web import api_error

        return api_error(401, "unauthorized", _("Wrong username or password."))
    if user.must_change_password:
        db.session.commit()
        from assist.core.web import api_error

        return api_error(
            403,
            "password_change_required",
            _("Set your own password in the web application first."),
        )
    token, row = auth_services.issue_token(user)
    db.session.commit()
    return created({"token": token, "expires_at": iso(row.expires_at)})


def centre_json(centre) -> dict:
    return {
        "code": centre.code,
        "name": centre.name,
        "tier": centre.tier,
        "parent_code": centre.parent.code if centre.parent else None,
        "is_active": centre.is_active,
    }


@api_route("/me", tags=["auth"], summary="The calling user, their centre and roles")
def me():
    user = current_user
    return jsonify(
        {
            "id": user.id,
            "username": user.username,
            "full_name": user.full_name,
            "centre": centre_json(user.centre),
            "roles": sorted(r.value for r in user.roles),
            "locale": user.locale,
        }
    )


@api_route("/centres", tags=["centres"], summary="The centres in the caller's scope")
def centres():
    rows = db.session.scalars(scoped_centres(current_user)).all()
    return jsonify({"items": [centre_json(c) for c in rows]})


@api_route("/openapi.json", public=True, tags=["meta"], summary="This document")
def openapi():
    return jsonify(SPEC)
