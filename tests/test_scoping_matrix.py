"""Every route with an id, as every role, against its own, a child, a sibling and the parent centre.

The matrix is read from the app's `url_map`, so a new route joins it by itself (and fails
until `_world` holds a record of its kind in each centre and `_record_key` maps its path
argument to it, or it is documented in NOT_CENTRE_SCOPED or OTHER_RULE with the test that
covers its own rule). From a district user's seat (SZ-GS):

- a record in a sibling or the parent centre answers exactly what a record that does not
  exist answers: 404 for a role the route admits, 403 for a role it refuses — never 200;
- a record in the own centre or a child is found: never 404, never 500.

GET requests go to all four; requests that change things (POST, PATCH) only to the two
centres outside the scope, where nothing may happen.
"""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from assist.applicants.models import Applicant, Transfer, TransferReason
from assist.attachments.models import AttachmentKind
from assist.attachments.services import store_attachment
from assist.audit.models import AuditEntry
from assist.auth.models import Role
from assist.campaigns import services as campaigns
from assist.campaigns.models import QuotaRequest, Visit
from assist.campaigns.screening import record_screening
from assist.cases.documents import notice_period_id
from assist.cases.models import CaseStatus, Objection
from assist.core.timeutil import local_today
from assist.documents.models import PrintJob
from assist.exchange import civil
from assist.extensions import db
from assist.funds import batches, services
from assist.funds.models import PaymentMethod
from assist.imports import services as imports
from assist.mutual_aid import services as mutual_aid
from assist.mutual_aid.models import Enrolment
from assist.mutual_aid.roster import RosterLine
from assist.pairings.models import HelperKind, Pair
from assist.returns import services as returns
from assist.returns.models import PeriodKind
from tests.conftest import PASSWORD, api_token, csrf_token, login
from tests.factories import make_applicant, make_standard, next_resident_id, png_bytes, user
from tests.funds.factories import make_fund, make_ready_case
from tests.imports.helpers import xlsx_bytes
from tests.mutual_aid.helpers import HOSPITAL_RULES, make_plan, make_uscc, people

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
    "api.add_term": "mutual-aid plans are the city's, kept by its administrators "
    "(test_plan_terms_are_the_city_administrators_alone below)",
    **dict.fromkeys(
        ("mutual_aid.term_new", "mutual_aid.term_edit"),
        "as api.add_term, on the web (tests/mutual_aid/test_plan_form.py::"
        "test_only_the_citys_administrators_keep_plans)",
    ),
    "mutual_aid.roster_job": "a roster job is its starter's alone, whatever the scope "
    "(tests/mutual_aid/test_roster_jobs.py::test_the_progress_json_answers_while_the_job_"
    "waits_and_after)",
    "mutual_aid.roster_job_status": "as mutual_aid.roster_job",
    "api.mutual_aid_roster_job": "as mutual_aid.roster_job (tests/mutual_aid/test_roster_jobs.py::"
    "test_the_api_starts_the_same_job_above_the_threshold_and_answers_202)",
    **dict.fromkeys(
        ("exports.job", "exports.status", "exports.download", "api.get_export"),
        "an export job is its starter's alone, in the roles and centre it was made for "
        "(tests/exports/test_export_jobs.py::test_only_the_starter_in_the_same_scope_sees_the_job)",
    ),
    "api.download_export": "as api.get_export",
    "returns.compile_job": "a compile job is its starter's alone, whatever the scope "
    "(tests/returns/test_compile_job.py::test_the_page_shows_progress_then_lands_on_the_"
    "compiled_version)",
    "returns.compile_job_status": "as returns.compile_job",
    "api.get_compile_job": "as returns.compile_job (tests/returns/test_compile_job.py::"
    "test_api_compile_answers_202_and_the_status_url_leads_to_the_version)",
}
#: Routes whose records follow another visibility rule than own-centre-and-below, and where
#: that rule is tested: a send-warmth or screening campaign is seen in the subtree that runs
#: it and, above it, by every centre with a quota in it; a centre's list is seen by the
#: centres below and above it. The households, visits, samples, quota requests and
#: screenings under them are centre-scoped and stay in the matrix.
CAMPAIGN_PAGES = "tests/campaigns/test_rules.py::test_scoping_lists_and_campaigns"
CAMPAIGN_API = "tests/campaigns/test_api.py::test_campaign_api_scope"
OTHER_RULE = {
    **dict.fromkeys(
        (
            *(
                f"campaigns.{name}"
                for name in (
                    "detail",
                    "progress",
                    "close",
                    "open_list",
                    "request_more",
                    "set_quota",
                )
            ),
            *("campaigns.new_sample", "campaigns.add_screening"),  # by campaign_id
            *(
                f"campaigns.{name}"
                for name in ("list_page", "add", "approve", "draw", "fill", "pay", "publish")
            ),
            *("campaigns.return_", "campaigns.submit"),  # by list_id
        ),
        CAMPAIGN_PAGES,
    ),
    **dict.fromkeys(
        (
            *(
                f"api.{name}"
                for name in ("get_campaign", "list_lists", "open_list", "request_more")
            ),
            *("api.list_quotas", "api.set_quota", "api.list_samples", "api.create_sample"),
            *("api.get_list", "api.list_action", "api.list_entries", "api.add_entry"),
        ),
        CAMPAIGN_API,
    ),
}
#: Values for the routes' other path segments: one that exists, so only scope decides.
SEGMENTS = {"action": "submit", "decision": "accept"}
DECISION_ACTIONS = {"cases.decide": "approve"}
CIVIL_RESULT_HEADERS = ["身份证号", "是否低保", "核对收入", "房产", "车辆"]
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
    _later_domains(centres, world)
    db.session.commit()
    return world


def _later_domains(centres: dict, world: dict) -> None:
    """Campaign lists and what hangs off them, mutual aid, returns, imports and exchange."""
    campaign = _campaign(centres, world)
    health = _campaign(centres, world, kind="screening")
    plan, term = make_plan("MX", "hospital", HOSPITAL_RULES)
    for code in RELATIONS.values():
        centre, lower, record = centres[code], code.lower(), world[code]
        worker = user(f"{lower}.caseworker")
        supervisor = user(f"{lower}.supervisor")
        # campaigns: the centre's list, a household on it and its visit, a quota request
        clist = campaigns.list_for(campaign, centre, create_user=worker)
        entry = campaigns.add_entry(
            clist, make_applicant(centre), acting_user=worker, reason="入户调查核实"
        )
        visit = Visit(  # the visit as a row: the service needs the notice over first
            entry_id=entry.id,
            centre_id=centre.id,
            visited_on=date(2026, 1, 20),
            visitors=[{"name": "张主席", "title": "", "is_leader": True}],
            cash_fen=25_000,
            is_signed=True,
            recorded_by_id=worker.id,
        )
        db.session.add(visit)
        quota = campaigns.quota_of(campaign, centre)
        if quota.parent_id is None:  # the root quota asks nobody: its request as a row
            request = QuotaRequest(
                quota_id=quota.id, extra_households=1, reason="临时增加", requested_by_id=worker.id
            )
            db.session.add(request)
        else:
            request = campaigns.request_more(
                quota, acting_user=worker, households=1, amount_fen=0, reason="临时增加"
            )
        screening = record_screening(
            health,
            acting_user=worker,
            name="李秀英",
            id_number=next_resident_id(birth=date(1980, 3, 1), female=True),
            employer="苏州纺织厂",
            screened_on=local_today(),
            place="市妇幼保健院",
            has_referral=False,
        )
        # mutual aid: a unit, its enrolment batch, a member and a claim
        unit = mutual_aid.create_unit(
            acting_user=worker,
            centre=centre,
            data=mutual_aid.UnitInput(
                name=f"{code} 丝绸厂工会",
                uscc=make_uscc(),
                staff_count=2,
                union_members=2,
                contact_name="李红",
            ),
        )
        lines = [
            RosterLine(row_no=i + 2, name=n, id_raw=i_d) for i, (n, i_d) in enumerate(people(2))
        ]
        enrolment_batch = mutual_aid.enrol(
            mutual_aid.check_roster(unit, term, lines), acting_user=worker, skip_bad=False
        )
        enrolment = db.session.scalars(
            select(Enrolment).where(Enrolment.batch_id == enrolment_batch.id).limit(1)
        ).one()
        admission = enrolment.cover_start + timedelta(days=10)
        claim = mutual_aid.record_claim(
            acting_user=worker,
            data=mutual_aid.ClaimInput(
                enrolment=enrolment,
                event="hospital",
                event_day=admission,
                discharge=admission + timedelta(days=12),
                hospital="苏州市立医院",
                diagnosis="肺炎",
                bank_name="中国工商银行苏州分行",
                bank_account="6222021102009876543",
            ),
        )
        # returns: this month's return, compiled (version 1)
        version = returns.compile_return(
            centre,
            PeriodKind.MONTH,
            returns.current_period(PeriodKind.MONTH),
            acting_user=supervisor,
        )
        # imports: an uploaded ledger
        ledger = imports.upload(
            "台账.xlsx", xlsx_bytes([["王建国", next_resident_id()]]), acting_user=worker
        )
        # exchange: a civil-affairs request for the centre's file, and a result for it
        applicant = db.session.get(Applicant, record["applicant_id"])
        verification = civil.create_request(worker, by="hand", file_ids=[applicant.id])
        results, _problems = civil.import_results(
            "民政结果.xlsx",
            xlsx_bytes([[applicant.id_number, "否", "6000", "无", "无"]], CIVIL_RESULT_HEADERS),
            acting_user=worker,
            request_id=verification.id,
        )
        record.update(
            entry_id=entry.id,
            visit_id=visit.id,
            screening_id=screening.id,
            quota_request_id=request.id,
            unit_id=unit.id,
            enrolment_batch_id=enrolment_batch.id,
            enrolment_id=enrolment.id,
            claim_id=claim.id,
            plan_id=plan.id,
            return_id=version.period_return.id,
            version_number=version.version,
            import_id=ledger.id,
            verification_id=verification.id,
            result_id=results[0].id,
        )
    db.session.flush()
    for code in RELATIONS.values():  # each centre's sample check, and its own household in it
        check = campaigns.create_sample_check(
            campaign, acting_user=user(f"{code.lower()}.supervisor"), size=100, seed=1
        )
        own = [i for i in check.items if i.centre_id == centres[code].id]
        world[code].update(check_id=check.id, sample_item_id=own[0].id)


def _campaign(centres: dict, world: dict, kind: str = "warmth"):
    """A city campaign, with quotas down to both districts and the station."""
    city = user("sz.supervisor")
    campaign = campaigns.create_campaign(
        acting_user=city,
        data=campaigns.CampaignInput(
            name="春节送温暖" if kind == "warmth" else "女职工两癌筛查",
            kind=kind,
            occasion="spring_festival",
            starts_on=local_today() - timedelta(days=10),
            ends_on=local_today() + timedelta(days=30),
            cash_fen=25_000,
            fund_ids=[world["SZ"]["fund_id"]],
            households=20,
            amount_fen=20 * 25_000,
        ),
    )
    root = campaigns.quota_of(campaign, centres["SZ"])
    for code in ("SZ-GS", "SZ-WZ"):
        campaigns.set_quota(
            root, centres[code], acting_user=city, households=5, amount_fen=5 * 25_000
        )
    campaigns.set_quota(
        campaigns.quota_of(campaign, centres["SZ-GS"]),
        centres["SZ-GS-PJ"],
        acting_user=user("sz-gs.supervisor"),
        households=2,
        amount_fen=2 * 25_000,
    )
    return campaign


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
        elif name == "fmt":
            args[name] = "csv"
        else:
            args[name] = record[_record_key(rule, name)]
    return args


def _record_key(rule, name: str) -> str:
    """The record an argument names, where one name means different things on different routes."""
    path = rule.rule
    if name == "request_id":  # a campaign's quota request, or a civil-affairs verification
        return "quota_request_id" if "/quota-requests/" in path else "verification_id"
    if name == "item_id":  # a sample check's household, or a payment batch's case
        return "sample_item_id" if "/sample-items/" in path else "item_id"
    if name == "batch_id":  # a mutual-aid enrolment batch, or a payment batch
        return "enrolment_batch_id" if "/mutual-aid/" in path else "batch_id"
    if name == "number":  # a return's version
        return "version_number"
    return name


def _requests(app, world) -> list[tuple[str, str, dict, str]]:
    """(name, method, {relation or "missing": url}, …) for every route with an id."""
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        ids = [a for a, c in rule._converters.items() if type(c).__name__ == "IdConverter"]
        if not ids or _excepted(rule):
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


def _excepted(rule) -> bool:
    """True for the routes documented in NOT_CENTRE_SCOPED and OTHER_RULE."""
    return rule.endpoint in NOT_CENTRE_SCOPED or rule.endpoint in OTHER_RULE


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
        and not _excepted(r)
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


def test_plan_terms_are_the_city_administrators_alone(matrix):
    """Mutual-aid plans are the city's: every centre sees them, only the city's admins add terms."""
    from assist.mutual_aid.models import Plan, PlanTerm

    app, _requests = matrix
    plan = db.session.scalars(select(Plan).where(Plan.code == "MX")).one()
    terms = select(db.func.count(PlanTerm.id)).where(PlanTerm.plan_id == plan.id)
    before = db.session.scalar(terms)
    start = local_today() + timedelta(days=800)
    body = {
        "label": "next",
        "cover_start": start.isoformat(),
        "cover_end": (start + timedelta(days=364)).isoformat(),
        "window_opens": local_today().isoformat(),
        "window_closes": (start - timedelta(days=1)).isoformat(),
        "fee": "80.00",
        "subsidy": "30.00",
        "rules": HOSPITAL_RULES,
    }
    url = f"/api/v1/mutual-aid/plans/{plan.id}/terms"
    for username in [f"{SEAT.lower()}.{role}" for role in Role] + ["sz-gs-pj.admin"]:
        client = app.test_client()
        headers = api_token(client, username)
        listed = client.get("/api/v1/mutual-aid/plans", headers=headers).get_json()["items"]
        assert plan.id in [p["id"] for p in listed], username  # seen below the city
        refused = client.post(url, json=body, headers=headers)
        assert refused.status_code == 403, (username, refused.get_json())
    assert db.session.scalar(terms) == before
    city = app.test_client()
    headers = api_token(city, "sz.admin")
    missing = city.post(f"/api/v1/mutual-aid/plans/{MISSING}/terms", json=body, headers=headers)
    assert missing.status_code == 404
    added = city.post(url, json=body, headers=headers)
    assert added.status_code == 201, added.get_json()
    db.session.remove()  # read the count the request committed
    assert db.session.scalar(terms) == before + 1
