"""/api/v1/returns: list, compile, sign, reopen, and GET any version."""

from flask import abort, jsonify, url_for
from flask_login import current_user

from assist.api import api_route, fields, job_started, require_roles
from assist.api.core import iso
from assist.core.scoping import get_scoped_or_404
from assist.extensions import db
from assist.returns import jobs, services
from assist.returns.models import PeriodReturn
from assist.returns.views import READ_ROLES

COMPILE = fields.Schema(
    period_kind=fields.Choice(["month", "year"], required=True),
    period=fields.Text(
        7,
        required=True,
        pattern=r"^\d{4}(-\d{2})?$",
        description="YYYY-MM for a month, YYYY for a year",
    ),
)
REOPEN = fields.Schema(reason=fields.Text(500, required=True))
LIST_PARAMS = fields.Schema(
    period_kind=fields.Choice(["month", "year"], default="month"),
    period=fields.Text(7, pattern=r"^\d{4}(-\d{2})?$"),
)


def version_json(version) -> dict:
    ret = version.period_return
    return {
        "return_id": ret.id,
        "centre": ret.centre.code,
        "period_kind": ret.period_kind,
        "period": ret.period,
        "version": version.version,
        "status": version.status,
        "figures": version.figures,
        "own_figures": version.own_figures,
        "children": version.children,
        "changes": version.changes,
        "compiled_at": iso(version.compiled_at),
        "signed_at": iso(version.signed_at),
        "signed_by": version.signed_by.username if version.signed_by else None,
        "sha256": version.sha256 or None,
        "reopen_reason": version.reopen_reason or None,
    }


def _load(return_id) -> PeriodReturn:
    ret = get_scoped_or_404(PeriodReturn, return_id, current_user)
    if not ret.versions:
        abort(404)
    return ret


@api_route(
    "/returns",
    tags=["returns"],
    summary="The caller's centre's return for a period and its children's states",
    parameters=LIST_PARAMS,
)
def list_returns():
    require_roles(*READ_ROLES)
    args = LIST_PARAMS.args()
    kind = args.period_kind
    period = args.period or services.current_period(kind)
    services.parse_return_period(kind, period)
    centre = current_user.centre
    ret = services.find_return(centre, kind, period)
    children = services.children_status(centre, kind, period)
    return jsonify(
        {
            "period_kind": kind,
            "period": period,
            "own": version_json(ret.current) if ret and ret.current else None,
            "children": [
                {
                    "centre": c.centre.code,
                    "state": c.state,
                    "return_id": c.period_return.id if c.period_return else None,
                    "signed_version": c.signed.version if c.signed else None,
                }
                for c in children
            ],
        }
    )


@api_route(
    "/returns",
    methods=["POST"],
    tags=["returns"],
    summary="Compile (or compile again) the caller's centre's return from the records, as a job",
    request_schema=COMPILE,
    responses={
        202: {"description": "the compile job; follow its status_url (Location) until done"},
        409: {"description": "signed"},
    },
)
def compile_return():
    body = COMPILE.body()
    kind, period = body.period_kind, body.period
    job = jobs.start(current_user.centre, kind, period, acting_user=current_user)
    return job_started(job, _job_json)


def _job_json(job) -> dict:
    payload = jobs.job_json(job)
    payload["status_url"] = url_for("api.get_compile_job", job_id=job.id)
    if payload["return_id"] and not payload["error"]:
        payload["version_url"] = url_for(
            "api.get_return_version", return_id=payload["return_id"], number=payload["version"]
        )
    return payload


@api_route(
    "/returns/compile-jobs/<int:job_id>",
    tags=["returns"],
    summary="A compile job's progress; once done, the version it compiled (the starter's alone)",
)
def get_compile_job(job_id: int):
    job = jobs.load_job(job_id, user=current_user)
    if job is None:
        abort(404)
    return jsonify(_job_json(job))


@api_route("/returns/<int:return_id>", tags=["returns"], summary="The current version of a return")
def get_return(return_id: int):
    require_roles(*READ_ROLES)
    return jsonify(version_json(_load(return_id).current))


@api_route(
    "/returns/<int:return_id>/versions/<int:number>",
    tags=["returns"],
    summary="One version of a return",
)
def get_return_version(return_id: int, number: int):
    require_roles(*READ_ROLES)
    ret = _load(return_id)
    version = next((v for v in ret.versions if v.version == number), None)
    if version is None:
        abort(404)
    return jsonify(version_json(version))


@api_route(
    "/returns/<int:return_id>/sign",
    methods=["POST"],
    tags=["returns"],
    summary="Sign the current version: frozen with time, signer and hash",
)
def sign_return(return_id: int):
    version = services.sign_return(_load(return_id), acting_user=current_user)
    db.session.commit()
    return jsonify(version_json(version))


@api_route(
    "/returns/<int:return_id>/reopen",
    methods=["POST"],
    tags=["returns"],
    summary="A parent centre reopens a signed return with a reason",
    request_schema=REOPEN,
)
def reopen_return(return_id: int):
    ret = _load(return_id)
    reason = REOPEN.body().reason
    version = services.reopen_return(ret, acting_user=current_user, reason=reason)
    db.session.commit()
    return jsonify(version_json(version))
