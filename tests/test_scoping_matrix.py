"""Every route with an id, as every role, against its own, a child, a sibling and the parent centre.

The matrix is read from the app's `url_map`, so a new route joins it by itself (and fails
until `IDS` knows how to find a record for its id). From a district user's seat (SZ-GS):

- a record in a sibling or the parent centre answers exactly what a record that does not
  exist answers: 404 for a role the route admits, 403 for a role it refuses — never 200;
- a record in the own centre or a child is found: never 404, never 500.

GET requests go to all four; requests that change things (POST, PATCH) only to the two
centres outside the scope, where nothing may happen.
"""

import io
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from assist.applicants.models import Transfer, TransferReason
from assist.attachments.models import AttachmentKind
from assist.attachments.services import store_attachment
from assist.audit.models import AuditEntry
from assist.auth.models import Role
from assist.cases.documents import notice_period_id
from assist.cases.models import CaseStatus, Objection
from assist.documents.models import PrintJob
from assist.extensions import db
from assist.funds import batches, services
from assist.funds.models import PaymentMethod
from assist.pairings.models import HelperKind, Pair
from tests.conftest import PASSWORD, api_token, csrf_token, login
from tests.factories import make_applicant, make_standard, png_bytes, user
from tests.funds.factories import make_fund, make_ready_case

pytestmark = pytest.mark.slow

SEAT = "SZ-GS"
RELATIONS = {"own": "SZ-GS", "child": "SZ-GS-PJ", "sibling": "SZ-WZ", "parent": "SZ"}
INSIDE = ("own", "child")
OUTSIDE = ("sibling", "parent")
#: Where a transfer from each centre goes (inside the seat's scope for own/child, outside
#: for sibling/parent), so that neither end of it lies in the other half.
TRANSFER_TO = {"SZ-GS": "SZ-GS-CL", "SZ-GS-PJ": "SZ-GS-JC", "SZ-WZ": "SZ-WZ-CQ", "SZ": "SZ-WZ"}
MISSING = 2**31 - 1
#: Routes whose id is not a centre-scoped record, and why they stay out of the matrix.
NOT_CENTRE_SCOPED = {
    "auth.revoke_token": "a token belongs to its user, whatever the centre (tests/test_auth.py)",
}
#: Blueprints whose records follow another visibility rule than own-centre-and-below, and
#: where that rule is tested. Send-warmth campaigns are the city's and seen by every centre
#: taking part; a centre's list is seen above and below it (tests/campaigns/test_rules.py).
OTHER_RULE = {"campaigns": "tests/campaigns/test_rules.py::test_scoping_lists_and_campaigns"}
#: Values for the routes' other path segments: one that exists, so only scope decides.
SEGMENTS = {"action": "submit", "decision": "accept"}
DECISION_ACTIONS = {"cases.decide": "approve"}
DOCUMENT_KINDS = {
    "case_file": "applicant_id",
    "approval_form": "case_id",
    "voucher": "payment_id",
    "roster": "batch_id",
    "notice_list": "period_id",
}


def _world(tmp_path) -> dict:
    """One record of every kind an id can name, in each of the four centres."""
    from assist.centres.models import Centre
    from assist.core.crypto import write_encrypted
    from assist.documents.jobs import FILE_PURPOSE

    make_standard()
    centres = {c.code: c for c in db.session.scalars(select(Centre))}
    world = {}
    for code in RELATIONS.values():
        centre = centres[code]
        lower = code.lower()
        applicant = make_applicant(centre, consent_signed_on=date(2026, 1, 5))
        case = make_ready_case(centre)
        objected = make_ready_case(centre)
        objected.status = CaseStatus.DRAFT  # documents are added while the case is drafted
        objection = Objection(case_id=objected.id, raised_by="邻居", content="收入不实")
        db.session.add(objection)
        fund = make_fund(by=f"{lower}.finance", name=f"{code} 帮扶资金")
        payment, _ = services.pay_case(
            case,
            acting_user=user(f"{lower}.finance"),
            fund=fund,
            amount_fen=case.amount_approved_fen,
            details=services.PaymentDetails(
                method=PaymentMethod.CASH, signed_by="王建国", signed_on=date(2026, 1, 6)
            ),
            idempotency_key=f"matrix-{lower}-pay",
        )
        batch = batches.create_batch(
            acting_user=user(f"{lower}.finance"),
            title="春节慰问",
            fund=fund,
            method=PaymentMethod.CASH,
        )
        item = batches.add_case(
            batch, make_ready_case(centre), acting_user=user(f"{lower}.finance")
        )
        file_attachment = _upload(lower, "applicant", applicant, AttachmentKind.ID_COPY)
        case_attachment = _upload(lower, "case", objected, AttachmentKind.OTHER)
        objected.status = CaseStatus.ON_HOLD
        transfer = Transfer(
            applicant_id=make_applicant(centre).id,
            from_centre_id=centre.id,
            to_centre_id=centres[TRANSFER_TO[code]].id,
            reason=TransferReason.OTHER,
            requested_by_id=user(f"{lower}.caseworker").id,
        )
        result = tmp_path / f"print-{lower}.pdf"
        # Stored as the runner stores outputs: encrypted.
        write_encrypted(result, b"%PDF-1.4\n%%EOF\n", purpose=FILE_PURPOSE)
        job = PrintJob(
            kind="case_file",
            title="case files",
            status="done",
            total=0,
            centre_id=centre.id,
            created_by_id=user(f"{lower}.caseworker").id,
            result_path=str(result),
        )
        pair = Pair(
            applicant_id=applicant.id,
            centre_id=centre.id,
            helper_kind=HelperKind.PERSON,
            helper_name="张师傅",
            started_on=date(2026, 1, 5),
            next_due_on=date(2026, 2, 5),
        )
        db.session.add_all([transfer, job, pair])
        db.session.flush()
        world[code] = {
            "centre_id": centre.id,
            "user_id": user(f"{lower}.finance").id,
            "applicant_id": applicant.id,
            "case_id": case.id,
            "objected_case_id": objected.id,
            "objection_id": objection.id,
            "fund_id": fund.id,
            "payment_id": payment.id,
            "batch_id": batch.id,
            "item_id": item.id,
            "file_attachment_id": file_attachment.id,
            "case_attachment_id": case_attachment.id,
            "transfer_id": transfer.id,
            "job_id": job.id,
            "pair_id": pair.id,
            "period_id": notice_period_id(centre, date(2026, 1, 1)),
        }
    db.session.commit()
    return world


def _upload(lower: str, owner_type: str, owner, kind: str):
    return store_attachment(
        FileStorage(io.BytesIO(png_bytes()), filename="scan.png", content_type="image/png"),
        acting_user=user(f"{lower}.caseworker"),
        owner_type=owner_type,
        owner=owner,
        kind=kind,
    )


def _ids(rule, record: dict) -> dict:
    """The id values for one rule's arguments, taken from one centre's records."""
    args = {}
    objection_route = "objection_id" in rule.arguments
    for name in rule.arguments:
        if name == "case_id":
            attachment_route = "attachment_id" in rule.arguments
            key = "objected_case_id" if objection_route or attachment_route else "case_id"
            args[name] = record[key]
        elif name == "attachment_id":
            owner = "case" if "case_id" in rule.arguments else "file"
            args[name] = record[f"{owner}_attachment_id"]
        elif name in ("action", "decision"):
            allowed = getattr(rule._converters.get(name), "items", None)  # <any(…):action>
            default = sorted(allowed)[0] if allowed else SEGMENTS[name]
            args[name] = DECISION_ACTIONS.get(rule.endpoint, default)
        elif name in ("kind", "subject_id", "filename"):
            continue  # documents.issue is expanded per kind below
        else:
            args[name] = record[name]
    return args


def _requests(app, world) -> list[tuple[str, str, dict, str]]:
    """(name, method, {relation or "missing": url}, …) for every route with an id."""
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        ids = [a for a, c in rule._converters.items() if type(c).__name__ == "IdConverter"]
        if (
            not ids
            or rule.endpoint in NOT_CENTRE_SCOPED
            or rule.endpoint.split(".")[0] in OTHER_RULE
        ):
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        variants = [{}]
        if rule.endpoint == "documents.issue":
            variants = [{"kind": kind, "id_key": key} for kind, key in DOCUMENT_KINDS.items()]
        for variant in variants:
            urls = {}
            for relation, code in RELATIONS.items():
                args = _ids(rule, world[code])
                if variant:
                    args["kind"] = variant["kind"]
                    args["subject_id"] = world[code][variant["id_key"]]
                urls[relation] = _build(app, rule, args)
            missing = {k: (MISSING if k in ids else v) for k, v in _ids(rule, world[SEAT]).items()}
            if variant:
                missing["kind"], missing["subject_id"] = variant["kind"], MISSING
            urls["missing"] = _build(app, rule, missing)
            for method in methods:
                name = f"{method} {rule.rule}" + (f" [{variant['kind']}]" if variant else "")
                out.append((name, method, urls))
    return out


def _build(app, rule, args) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


@pytest.fixture(scope="module")
def matrix(database_template, tmp_path_factory):
    """The world, built once for the module (requests here read, or are refused)."""
    import shutil

    from assist import create_app
    from assist.demo.cli import build_network
    from tests.conftest import PG_URL, _truncate_all

    tmp = tmp_path_factory.mktemp("matrix")
    if PG_URL:
        url = PG_URL
    else:
        shutil.copy(database_template, tmp / "matrix.sqlite3")
        url = f"sqlite:///{tmp / 'matrix.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(tmp / "storage"))
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    try:
        with app.app_context():
            build_network(password=PASSWORD)
            db.session.commit()
            world = _world(tmp)
            yield app, _requests(app, world)
            db.session.remove()
            db.engine.dispose()
    finally:  # PostgreSQL is one database for the run: leave it empty even when set-up fails
        if PG_URL:
            _truncate_all(PG_URL)


def _send(client, method: str, url: str, *, api_headers: dict, token: str):
    if url.startswith("/api/"):
        kwargs = {"headers": api_headers}
        if method in ("POST", "PATCH"):
            kwargs["json"] = {}
        return client.open(url, method=method, **kwargs)
    data = {"csrf_token": token} if method == "POST" else None
    return client.open(url, method=method, data=data)


def test_the_matrix_covers_every_route_with_an_id(matrix):
    app, requests = matrix
    covered = {name.split(" ", 1)[1].split(" [")[0] for name, _m, _u in requests}
    with_ids = {
        r.rule
        for r in app.url_map.iter_rules()
        if any(type(c).__name__ == "IdConverter" for c in r._converters.values())
        and r.endpoint not in NOT_CENTRE_SCOPED
        and r.endpoint.split(".")[0] not in OTHER_RULE
    }
    assert covered == with_ids
    assert len(requests) >= 70


@pytest.mark.parametrize("role", list(Role))
def test_scope_matrix(matrix, role):
    app, requests = matrix
    client = app.test_client()
    username = f"{SEAT.lower()}.{role}"
    login(client, username)
    token = csrf_token(client, "/")
    api_headers = api_token(app.test_client(), username)
    outside = select(db.func.count(AuditEntry.id)).where(
        ~AuditEntry.centre_path.startswith(_path(SEAT)), AuditEntry.centre_path != ""
    )
    written_outside = db.session.scalar(outside)
    failures = []
    for name, method, urls in requests:
        missing = _send(client, method, urls["missing"], api_headers=api_headers, token=token)
        if missing.status_code not in (403, 404):
            failures.append(f"{name} missing id: {missing.status_code}")
            continue
        relations = RELATIONS if method == "GET" else OUTSIDE
        for relation in relations:
            status = _send(
                client, method, urls[relation], api_headers=api_headers, token=token
            ).status_code
            if relation in OUTSIDE and status != missing.status_code:
                failures.append(
                    f"{name} {relation}: {status}, a missing id gives {missing.status_code}"
                )
            if relation in INSIDE and (
                status >= 500 or (status == 404 and missing.status_code == 404)
            ):
                failures.append(f"{name} {relation}: {status} for a record in scope")
    assert failures == [], "\n".join(failures)
    assert db.session.scalar(outside) == written_outside  # nothing happened outside the scope


def _path(code: str) -> str:
    from assist.centres.models import Centre

    return db.session.scalars(select(Centre.path).where(Centre.code == code)).one()
