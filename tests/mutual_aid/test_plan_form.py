"""The plan form: city administrators add plans and terms through the same service as the API."""

import re
from datetime import date, timedelta
from html import unescape

from sqlalchemy import func, select

from assist.audit.models import AuditEntry
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.mutual_aid.models import Plan, PlanTerm
from tests.conftest import csrf_token, login
from tests.mutual_aid.helpers import people, upload, xlsx

NEW = "/mutual-aid/plans/new"


def _term_fields(**overrides) -> dict:
    today = local_today()
    start = date(today.year + 1, 1, 1)
    data = {
        "label": str(start.year),
        "cover_start": start.isoformat(),
        "years": "1",
        "window_opens": (start - timedelta(days=61)).isoformat(),
        "window_closes": (start - timedelta(days=1)).isoformat(),
        "min_age": "16",
        "max_age": "65",
        "sex": "",
        "fee": "80",
        "subsidy": "30",
        "participation_pct": "60",
        "small_unit_max": "10",
        "daily": "50",
        "franchise_days": "3",
        "waiting_days": "0",
        "term_cap": "4500",
        "documents": ["id_copy", "diagnosis", "invoice"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, url, fields, *, page=None):
    fields = dict(fields, csrf_token=csrf_token(client, page or url))
    return client.post(url, data=fields)


def _errors(response) -> dict:
    html = response.get_data(as_text=True)
    return {k: unescape(v) for k, v in re.findall(r'data-field-error="(\w+)">([^<]+)<', html)}


def _counts():
    return (
        db.session.scalar(select(func.count(Plan.id))),
        db.session.scalar(select(func.count(PlanTerm.id))),
    )


def test_an_administrator_adds_a_hospital_plan_with_its_first_term(client, network):
    login(client, "sz.admin")
    assert client.get(NEW).status_code == 200
    response = _post(
        client, NEW, {"code": "ZY", "name": "住院津贴互助", "kind": "hospital", **_term_fields()}
    )
    assert response.status_code == 302, _errors(response)
    plan = db.session.scalars(select(Plan)).one()
    term = plan.terms[0]
    assert (plan.code, plan.kind, plan.centre.parent_id) == ("ZY", "hospital", None)
    assert (term.fee_fen, term.subsidy_fen, term.staff_share_fen) == (8000, 3000, 5000)
    assert term.cover_end == date(term.cover_start.year, 12, 31)  # one year, one start date
    assert term.rules == {
        "daily_fen": 5000,
        "franchise_days": 3,
        "waiting_days": 0,
        "term_cap_fen": 450_000,
    }
    assert term.required_documents == {"hospital": ["id_copy", "diagnosis", "invoice"]}
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"mutual_aid.plan_created", "mutual_aid.term_added"} <= actions
    index = client.get("/mutual-aid/").get_data(as_text=True)
    assert "住院津贴互助" in index and "¥50" in index and f"/terms/{term.id}/edit" in index


def test_critical_illness_accident_and_the_womens_add_on_through_the_form(client, network):
    login(client, "sz.admin")
    critical = _post(
        client,
        NEW,
        {
            "code": "ZJ",
            "name": "重大疾病互助",
            "kind": "critical_illness",
            **_term_fields(
                years="3",
                illnesses="cancer 恶性肿瘤\nstroke，脑中风后遗症\n",
                grades="91 10000\n30 500",
                term_cap="10000",
                documents=["id_copy", "diagnosis"],
            ),
        },
    )
    assert critical.status_code == 302, _errors(critical)
    base = db.session.scalars(select(Plan).where(Plan.code == "ZJ")).one()
    term = base.terms[0]
    assert term.cover_end == date(term.cover_start.year + 2, 12, 31)  # three years
    assert term.rules["illnesses"] == [
        {"code": "cancer", "name": "恶性肿瘤"},
        {"code": "stroke", "name": "脑中风后遗症"},
    ]
    assert term.rules["grades"] == [
        {"from_day": 30, "amount_fen": 50_000},
        {"from_day": 91, "amount_fen": 1_000_000},
    ]
    assert term.required_documents == {"critical_illness": ["id_copy", "diagnosis"]}

    women = {
        "code": "NZ",
        "name": "女职工特殊疾病",
        "kind": "women",
        **_term_fields(sex="F", years="2", illnesses="breast 乳腺癌", grades="30 300\n91 5000"),
    }
    no_base = _post(client, NEW, women)
    assert no_base.status_code == 422
    assert "base_plan" in _errors(no_base)
    assert _counts() == (1, 1)
    added = _post(client, NEW, dict(women, base_plan=str(base.id)))
    assert added.status_code == 302, _errors(added)
    addon = db.session.scalars(select(Plan).where(Plan.code == "NZ")).one()
    assert addon.base_plan_id == base.id and addon.terms[0].sex == "F"

    accident = _post(
        client,
        NEW,
        {
            "code": "YW",
            "name": "意外伤害互助",
            "kind": "accident",
            **_term_fields(
                sum_insured="20000",
                death_pct="100",
                disability_pct="100, 90, 80, 70, 60, 50, 40, 30, 20, 10",
                term_cap="",
                documents=["id_copy", "death_certificate", "disability_appraisal"],
            ),
        },
    )
    assert accident.status_code == 302, _errors(accident)
    rules = db.session.scalars(select(Plan).where(Plan.code == "YW")).one().terms[0].rules
    assert rules == {
        "sum_insured_fen": 2_000_000,
        "death_pct": 100,
        "disability_pct": [100, 90, 80, 70, 60, 50, 40, 30, 20, 10],
    }


def test_bad_input_is_refused_beside_its_field_in_the_users_language(client, network, app):
    login(client, "sz.admin")
    plan = {"code": "ZY", "name": "住院津贴互助", "kind": "hospital"}
    cases = [
        ({**plan, **_term_fields(fee="")}, "fee", "费"),
        ({**plan, **_term_fields(fee="abc")}, "fee", "元"),
        ({**plan, **_term_fields(subsidy="90")}, "subsidy", "补贴"),
        ({**plan, **_term_fields(cover_start="")}, "cover_start", "日期"),
        ({**plan, **_term_fields(cover_start="2027-02-31")}, "cover_start", None),
        ({**plan, **_term_fields(window_closes="2000-01-01")}, "window_closes", "截止"),
        ({**plan, **_term_fields(min_age="60", max_age="30")}, "max_age", None),
        ({**plan, **_term_fields(daily="")}, "daily", "金额"),
        ({**plan, **_term_fields(franchise_days="-1")}, "franchise_days", None),
        ({**plan, **_term_fields(label="")}, "label", None),
        ({**plan, **_term_fields(years="7")}, "years", None),
        ({**plan, **_term_fields(participation_pct="0")}, "participation_pct", None),
        ({**plan, **_term_fields(documents=["bogus"])}, "documents", None),
        ({**plan, **_term_fields(name="\x00x")}, "name", None),
        ({**plan, "code": "", **_term_fields()}, "code", "编码"),
        ({**plan, "kind": "pension", **_term_fields()}, "kind", None),
        (
            {**plan, "kind": "critical_illness", **_term_fields(grades="thirty 500")},
            "grades",
            "第 1 行",
        ),
        (
            {**plan, "kind": "critical_illness", **_term_fields(illnesses="cancer")},
            "illnesses",
            "第 1 行",
        ),
        (
            {
                **plan,
                "kind": "critical_illness",
                **_term_fields(illnesses="a 甲", grades="30 5\n30 6"),
            },
            "grades",
            None,
        ),
        (
            {**plan, "kind": "accident", **_term_fields(sum_insured="1", disability_pct="100, 90")},
            "disability_pct",
            "10",
        ),
        (
            {**plan, "kind": "accident", **_term_fields(sum_insured="1", death_pct="300")},
            "death_pct",
            None,
        ),
        ({**plan, "kind": "women", **_term_fields(sex="")}, "base_plan", None),
    ]
    for fields, name, words in cases:
        response = _post(client, NEW, fields)
        errors = _errors(response)
        assert response.status_code == 422, (name, response.status_code)
        assert name in errors, (name, errors)
        if words:
            assert words in errors[name], (name, errors[name])
        assert _counts() == (0, 0), name
    # the messages in English for an English-speaking user
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, NEW)})
    response = _post(client, NEW, {**plan, **_term_fields(subsidy="90")})
    assert "The union's subsidy cannot be more than the fee." in _errors(response)["subsidy"]
    response = _post(client, NEW, {**plan, "kind": "critical_illness", **_term_fields(grades="x")})
    assert _errors(response)["grades"].startswith("Line 1:")
    assert _counts() == (0, 0)
    assert not db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action.like("mutual_aid.%"))
    )


def test_a_term_with_members_never_changes_and_a_new_version_is_offered(
    app, client, network, hospital, unit
):
    plan, term = hospital
    from tests.cases.helpers import Api

    caseworker = Api(app.test_client(), "sz-gs-pj.caseworker")
    login(client, "sz.admin")
    # no members yet: the term may be corrected (audited with before and after)
    edit = f"/mutual-aid/terms/{term.id}/edit"
    page = client.get(edit)
    assert page.status_code == 200 and 'value="50"' in page.get_data(as_text=True)
    fields = _term_fields(
        label=term.label,
        cover_start=term.cover_start.isoformat(),
        window_opens=term.window_opens.isoformat(),
        window_closes=term.window_closes.isoformat(),
        daily="60",
    )
    saved = _post(client, edit, fields)
    assert saved.status_code == 302, _errors(saved)
    db.session.refresh(term)
    assert term.rules["daily_fen"] == 6000
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "mutual_aid.term_updated")
    ).one()
    assert entry.before["rules"]["daily_fen"] == 5000 and entry.after["rules"]["daily_fen"] == 6000

    response = upload(caseworker, unit.id, term.id, xlsx(people(12)), dry_run=False)
    assert response.status_code == 201, response.get_json()
    before = (term.fee_fen, dict(term.rules), term.cover_end)

    offered = client.get(edit)
    assert offered.status_code == 303
    assert offered.headers["Location"].endswith(f"/plans/{plan.id}/terms/new?from={term.id}")
    new_page = client.get(offered.headers["Location"]).get_data(as_text=True)
    assert "不能" in new_page  # the warning: members are enrolled
    next_start = term.cover_end + timedelta(days=1)
    assert f'value="{next_start.isoformat()}"' in new_page  # the next version, prefilled
    refused = client.post(
        edit, data={**fields, "daily": "99", "csrf_token": csrf_token(client, NEW)}
    )
    assert refused.status_code == 303
    db.session.refresh(term)
    assert (term.fee_fen, term.rules, term.cover_end) == before

    added = _post(
        client,
        f"/mutual-aid/plans/{plan.id}/terms/new",
        _term_fields(
            label="next",
            cover_start=next_start.isoformat(),
            window_opens=(next_start - timedelta(days=30)).isoformat(),
            window_closes=next_start.isoformat(),
            daily="70",
        ),
    )
    assert added.status_code == 302, _errors(added)
    assert [t.rules["daily_fen"] for t in db.session.get(Plan, plan.id).terms] == [6000, 7000]
    overlapping = _post(
        client,
        f"/mutual-aid/plans/{plan.id}/terms/new",
        _term_fields(label="again", cover_start=next_start.isoformat()),
    )
    assert overlapping.status_code == 422 and "cover_start" in _errors(overlapping)


def test_only_the_citys_administrators_keep_plans(app, client, network, hospital):
    _plan, term = hospital
    for username in ("sz-gs.admin", "sz.caseworker", "sz.supervisor"):
        other = app.test_client()
        login(other, username)
        for url in (
            NEW,
            f"/mutual-aid/plans/{_plan.id}/terms/new",
            f"/mutual-aid/terms/{term.id}/edit",
        ):
            assert other.get(url).status_code in (403, 404), (username, url)
        assert "/mutual-aid/plans/new" not in other.get("/mutual-aid/").get_data(as_text=True)
    login(client, "sz.admin")
    assert client.get("/mutual-aid/plans/999999/terms/new").status_code == 404
    assert client.get("/mutual-aid/terms/999999/edit").status_code == 404
    nav = client.get("/mutual-aid/").get_data(as_text=True)
    assert 'href="/mutual-aid/plans/new"' in nav
