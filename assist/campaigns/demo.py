"""Demo data for campaigns and pairing, added to `flask seed-demo` after the funds.

A Spring Festival campaign run by the city with quotas to both districts and every station,
one list in each state (published and visited with photos and paid, posted and in notice,
approved, submitted, returned, and a district draft), a sample check with results, and pairs
with contact histories, some overdue and one escalated; and this year's women workers' health
screening (女职工健康行) with quotas and a few screenings. Everything goes through the
services, so the demo shows what the rules allow; it adds about a second to seed-demo.
"""

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import exists, select
from werkzeug.datastructures import FileStorage

from assist.applicants.models import Applicant, FileStatus
from assist.attachments.models import AttachmentKind
from assist.attachments.services import store_attachment
from assist.auth.models import Role, User
from assist.campaigns import screening, services
from assist.campaigns.models import Campaign, EntryStatus, ListEntry
from assist.cases import services as case_services
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.centres.models import Centre
from assist.core.errors import DomainError
from assist.core.resident_id import make_resident_id
from assist.core.timeutil import local_today, utcnow
from assist.demo.cli import demo_username, seeder
from assist.extensions import db
from assist.funds.models import Fund
from assist.pairings import services as pairing_services
from assist.pairings.models import HelperKind

#: Households per station (and the states its list reaches).
STATIONS = {
    "SZ-GS-PJ": (6, "visited"),
    "SZ-GS-CL": (5, "published"),
    "SZ-GS-JC": (4, "approved"),
    "SZ-WZ-CQ": (4, "submitted"),
    "SZ-WZ-MD": (4, "returned"),
}
VISITORS = [
    [
        {"name": "王建国", "title": "姑苏区总工会主席", "is_leader": True},
        {"name": "陈晓燕", "title": "平江街道职工服务站站长", "is_leader": False},
    ],
    [{"name": "李文华", "title": "平江街道职工服务站干事", "is_leader": False}],
]
REMARKS = [
    "老伴长期住院，孩子读初中，家中收入仅靠低保；建议申请医疗救助。",
    "本人腿伤未愈，暂不能上班。",
    "",
]
HELPERS = [
    (HelperKind.ENTERPRISE, "苏州示例精密机械有限公司", "工会"),
    (HelperKind.PERSON, "张建华", "姑苏区总工会副主席"),
    (HelperKind.PERSON, "刘美玲", "吴中区总工会女职工委员会主任"),
    (HelperKind.ENTERPRISE, "示例电子（苏州）有限公司", "工会"),
]


def _user(code: str, role: Role) -> User:
    return db.session.scalars(select(User).where(User.username == demo_username(code, role))).one()


def _centre(code: str) -> Centre:
    return db.session.scalars(select(Centre).where(Centre.code == code)).one()


def photo_jpeg(rng: random.Random, width: int = 480, height: int = 320) -> bytes:
    """A small made-up 'photo': a room with a table and two figures, as a JPEG."""
    image = Image.new("RGB", (width, height), (rng.randint(170, 220), 200, rng.randint(170, 230)))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 2 // 3, width, height], fill=(150, 120, 90))
    draw.rectangle([width // 3, height // 2, width * 2 // 3, height * 2 // 3], fill=(120, 80, 50))
    for x in (width // 4, width * 3 // 4):
        draw.ellipse([x - 20, height // 4, x + 20, height // 4 + 40], fill=(230, 190, 160))
        draw.rectangle([x - 25, height // 4 + 40, x + 25, height * 2 // 3], fill=(200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _free_households(centre: Centre, n: int) -> list[Applicant]:
    """Active files of the station with no holiday case this year (the cap allows one)."""
    has_holiday = exists().where(
        AidCase.applicant_id == Applicant.id,
        AidCase.kind == AidKind.HOLIDAY,
        AidCase.status != CaseStatus.REJECTED,
    )
    return list(
        db.session.scalars(
            select(Applicant)
            .where(
                Applicant.centre_id == centre.id,
                Applicant.status == FileStatus.ACTIVE,
                ~has_holiday,
            )
            .order_by(Applicant.id)
            .limit(n)
        )
    )


def _campaign(fund: Fund, quotas: dict[str, int]) -> Campaign:
    today = local_today()
    city = _user("SZ", Role.SUPERVISOR)
    campaign = services.create_campaign(
        acting_user=city,
        data=services.CampaignInput(
            name=f"{today.year + 1}年春节送温暖活动",
            occasion="spring_festival",
            starts_on=today - timedelta(days=20),
            ends_on=today + timedelta(days=45),
            cash_fen=50_000,
            goods=[
                {"name": "大米（10kg）", "quantity": 1, "unit_value_fen": 6_000},
                {"name": "食用油（5L）", "quantity": 1, "unit_value_fen": 8_000},
            ],
            rule={"categories": ["deep", "relative", "accident"]},
            fund_ids=[fund.id],
            households=60,
            amount_fen=60 * 64_000,
            note="重点关注因病致困、单亲家庭和不能返乡过年的农民工。",
        ),
    )
    standard = campaign.standard_fen
    root = services.quota_of(campaign, city.centre)
    for district in ("SZ-GS", "SZ-WZ"):
        stations = [code for code in STATIONS if code.startswith(district + "-")]
        total = sum(quotas[code] for code in stations) + 2
        dq = services.set_quota(
            root, _centre(district), acting_user=city, households=total, amount_fen=total * standard
        )
        for code in stations:
            services.set_quota(
                dq,
                _centre(code),
                acting_user=_user(district, Role.SUPERVISOR),
                households=quotas[code],
                amount_fen=quotas[code] * standard,
            )
    return campaign


def _end_notices(clist) -> None:
    now = utcnow()
    cases = [
        e.case
        for e in db.session.scalars(select(ListEntry).where(ListEntry.list_id == clist.id))
        if e.case is not None and e.case.status == CaseStatus.IN_NOTICE
    ]
    for case in cases:
        case.notice_ends_at = now
    db.session.flush()
    case_services.close_expired_notices(now=now, limit=len(cases) + 1)


def _visit(rng: random.Random, entry: ListEntry, worker: User, n: int) -> None:
    campaign = entry.list.campaign
    signed = n % 4 != 3
    visit = services.record_visit(
        entry,
        acting_user=worker,
        data=services.VisitInput(
            visited_on=local_today() - timedelta(days=rng.randint(0, 5)),
            visitors=VISITORS[n % len(VISITORS)],
            cash_fen=campaign.cash_fen,
            goods=campaign.goods,
            is_signed=signed,
            no_signature_reason="" if signed else "本人住院，由女儿代收",
            remarks=REMARKS[n % len(REMARKS)],
        ),
    )
    for k in range(1 + n % 2):
        store_attachment(
            FileStorage(
                io.BytesIO(photo_jpeg(rng)), filename=f"走访{k + 1}.jpg", content_type="image/jpeg"
            ),
            acting_user=worker,
            owner_type="campaign_visit",
            owner=visit,
            kind=AttachmentKind.OTHER,
            images_only=True,
        )


def _run_list(rng, campaign: Campaign, code: str, n: int, state: str) -> int:
    centre = _centre(code)
    worker = _user(code, Role.CASEWORKER)
    district = _user(centre.parent.code, Role.SUPERVISOR)
    clist = services.list_for(campaign, centre, create_user=worker)
    for applicant in _free_households(centre, n):
        services.add_entry(clist, applicant, acting_user=worker, reason="入户调查核实")
    services.submit_list(clist, acting_user=worker)
    if state == "submitted":
        return 0
    if state == "returned":
        services.return_list(
            clist, acting_user=district, reason="请补充核实第3户的家庭收入情况后重新上报。"
        )
        return 0
    services.approve_list(clist, acting_user=district)
    if state == "approved":
        return 0
    services.publish_list(clist, acting_user=worker)
    if state == "published":
        return 0
    _end_notices(clist)
    entries = services_listed(clist)
    for k, entry in enumerate(entries[:-1]):  # one household still to visit
        _visit(rng, entry, worker, k)
    fund = db.session.get(Fund, campaign.fund_ids[0])
    services.pay_list(
        clist, acting_user=_user(code, Role.FINANCE), fund=fund, paid_on=local_today()
    )
    return len(entries) - 1


def services_listed(clist) -> list[ListEntry]:
    return list(
        db.session.scalars(
            select(ListEntry)
            .where(ListEntry.list_id == clist.id, ListEntry.status == EntryStatus.LISTED)
            .order_by(ListEntry.id)
        )
    )


def _sample(campaign: Campaign) -> None:
    boss = _user("SZ-GS", Role.SUPERVISOR)
    check = services.create_sample_check(campaign, acting_user=boss, size=3, seed=20270101)
    results = [
        ("received", ""),
        ("problems", "住户反映大米未送到，仅收到现金和食用油。"),
        ("unreachable", "电话两次无人接听。"),
    ]
    for item, (result, note) in zip(check.items, results, strict=False):
        services.record_result(item, acting_user=boss, result=result, note=note)


def _district_draft(campaign: Campaign) -> None:
    """The district's own draft list: candidates drawn, two listed by hand."""
    worker = _user("SZ-WZ", Role.CASEWORKER)
    clist = services.list_for(campaign, worker.centre, create_user=worker)
    services.draw_list(clist, acting_user=worker)
    for entry in db.session.scalars(
        select(ListEntry)
        .where(ListEntry.list_id == clist.id, ListEntry.status == EntryStatus.CANDIDATE)
        .order_by(ListEntry.id)
        .limit(2)
    ).all():
        services.add_entry(clist, entry.applicant, acting_user=worker)


def _pairs(rng: random.Random) -> tuple[int, int]:
    """Pairs at every station: contacts logged, some overdue, one old enough to escalate."""
    today = local_today()
    made = overdue = 0
    for code in STATIONS:
        centre = _centre(code)
        worker = _user(code, Role.CASEWORKER)
        files = db.session.scalars(
            select(Applicant)
            .where(Applicant.centre_id == centre.id, Applicant.status == FileStatus.ACTIVE)
            .order_by(Applicant.id.desc())
            .limit(3)
        ).all()
        for k, applicant in enumerate(files):
            started = today - timedelta(days=(200 if (code, k) == ("SZ-GS-PJ", 0) else 40 + 25 * k))
            if k == 2:
                kind, name, title, helper = HelperKind.CADRE, "", "", worker
            else:
                kind, name, title = HELPERS[(made + k) % len(HELPERS)]
                helper = None
            try:
                pair = pairing_services.open_pair(
                    applicant,
                    acting_user=worker,
                    data=pairing_services.PairInput(
                        helper_kind=kind,
                        helper_name=name,
                        helper_title=title,
                        helper_user=helper,
                        started_on=started,
                        plan_cause="本人患慢性病，配偶下岗，家庭收入低于低保标准。",
                        plan_need="医疗费用负担重，孩子上学需要资助。",
                        plan_measures="每月走访一次；协助申请医疗救助和助学；推荐配偶到结对企业就业。",
                        plan_goal="一年内家庭人均收入超过低保标准，实现脱困。",
                    ),
                )
            except DomainError:
                continue
            made += 1
            contact_on = started + timedelta(days=7)
            # the newest pairs are kept up; every third one lets its contacts lapse
            lapsed = (made % 3) == 0
            while contact_on <= today - (timedelta(days=45) if lapsed else timedelta(days=3)):
                pairing_services.log_contact(
                    pair,
                    acting_user=worker,
                    contacted_on=contact_on,
                    mode=rng.choice(["visit", "call"]),
                    done=rng.choice(
                        [
                            "入户了解病情和用药情况，送去慰问品。",
                            "电话询问孩子学习和家庭收入情况。",
                            "陪同到医保窗口办理大病救助申请。",
                            "推荐配偶参加结对企业招聘面试。",
                        ]
                    ),
                )
                contact_on += timedelta(days=pair.cadence_days)
            overdue += pair.next_due_on < today
    pairing_services.escalate_due_pairs(today=today)
    return made, overdue


#: The women workers' screening: quotas (screenings) per centre, and who was screened at the
#: station whose caseworker records them (name, age on the day, employer, referral followed).
SCREENING_QUOTAS = {"SZ-GS": 20, "SZ-WZ": 12, "SZ-GS-PJ": 8, "SZ-GS-CL": 6}
SCREENED = [
    ("周丽华", 38, "苏州示例丝绸厂", False),
    ("沈玉梅", 45, "姑苏示例物流公司", True),
    ("钱春燕", 52, "示例餐饮管理公司", False),
    ("陆秀英", 59, "苏州示例家政服务社", False),
    ("吴晓红", 41, "苏州示例物流公司", False),
]


def _screening_campaign(rng: random.Random) -> int:
    """The city's women workers' health screening (女职工健康行) this year, part recorded."""
    today = local_today()
    city = _user("SZ", Role.SUPERVISOR)
    campaign = services.create_campaign(
        acting_user=city,
        data=services.CampaignInput(
            name=f"{today.year}年女职工健康行",
            kind="screening",
            occasion="health",
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=30),
            households=40,
            note="免费两癌筛查，三年内不重复享受。",
        ),
    )
    root = services.quota_of(campaign, city.centre)
    for district in ("SZ-GS", "SZ-WZ"):
        quota = services.set_quota(
            root,
            _centre(district),
            acting_user=city,
            households=SCREENING_QUOTAS[district],
            amount_fen=0,
        )
        for code in (c for c in SCREENING_QUOTAS if c.startswith(district + "-")):
            services.set_quota(
                quota,
                _centre(code),
                acting_user=_user(district, Role.SUPERVISOR),
                households=SCREENING_QUOTAS[code],
                amount_fen=0,
            )
    worker = _user("SZ-GS-PJ", Role.CASEWORKER)
    for n, (name, age, employer, referral) in enumerate(SCREENED):
        screened_on = today - timedelta(days=rng.randint(1, 50))
        # `age` full years and 30-300 days on the day (no 29 February to trip over)
        birth = screened_on - timedelta(days=int(365.25 * age) + rng.randint(30, 300))
        screening.record_screening(
            campaign,
            acting_user=worker,
            name=name,
            id_number=make_resident_id("320508", birth, 2 * n + 100),  # even: a woman's
            employer=employer,
            screened_on=screened_on,
            place=rng.choice(["苏州市妇幼保健院", "姑苏区妇幼保健所"]),
            has_referral=referral,
        )
    return len(SCREENED)


@seeder("campaigns")
def seed_campaigns(rng: random.Random) -> str:
    fund = db.session.scalars(select(Fund).where(Fund.name == "送温暖专项资金")).first()
    if fund is None:
        return "Campaigns: no send-warmth fund in the demo; skipped."
    campaign = _campaign(fund, {code: n for code, (n, _state) in STATIONS.items()})
    visited = 0
    for code, (n, state) in STATIONS.items():
        visited += _run_list(rng, campaign, code, n, state)
    _sample(campaign)
    _district_draft(campaign)
    pairs, overdue = _pairs(rng)
    screened = _screening_campaign(rng)
    db.session.flush()
    return (
        f"Campaigns: {campaign.name} with quotas at {len(STATIONS) + 3} centres, lists in every "
        f"state, {visited} visit(s) with photos paid through batches, a sample check; "
        f"{pairs} pair(s), {overdue} overdue for contact; a women workers' health screening "
        f"with {screened} screening(s) recorded."
    )
