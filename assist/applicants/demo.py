"""Demo hardship files for `seed-demo`: a few hundred fictitious households in every state.

Every ID is valid but invented (sequence numbers 900–999, which the seeder alone uses), phones
come from the 1380000xxxx block and addresses are on 示例路 ("example road"). The 低保 standard
seeded for SZ, 1,060.00 yuan per person per month from 2025-07-01, is a demonstration value.
"""

import random
from datetime import date, timedelta

from sqlalchemy import select

from assist.applicants import services
from assist.applicants.models import (
    Cause,
    Exclusion,
    FileEvent,
    FileStatus,
    Health,
    HomeVisit,
    Relation,
    WorkStatus,
)
from assist.attachments.models import AttachmentKind
from assist.attachments.services import store_attachment
from assist.auth.models import Role, User
from assist.centres.models import Centre, Tier
from assist.core.resident_id import make_resident_id
from assist.core.timeutil import local_today, utcnow
from assist.demo.cli import demo_username, seeder
from assist.extensions import db

DEMO_STANDARD_FEN = 106_000
HOUSEHOLDS = 320

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "建国",
    "秀英",
    "桂英",
    "志强",
    "丽华",
    "海燕",
    "国庆",
    "红梅",
    "建华",
    "玉兰",
    "文杰",
    "晓东",
    "春梅",
    "伟",
    "芳",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂兰",
    "金凤",
    "卫东",
    "永红",
    "志明",
    "美玲",
    "晓燕",
    "德华",
    "宏伟",
    "雪梅",
    "丹",
    "鹏",
    "婷",
    "浩然",
    "子涵",
    "欣怡",
    "梓轩",
    "雨桐",
]
EMPLOYERS = [
    "苏州示例纺织有限公司",
    "姑苏示例丝绸厂",
    "吴中示例机械厂",
    "苏州示例物流公司",
    "示例电子（苏州）有限公司",
    "示例商贸城",
    "苏州示例建筑工程公司",
    "示例环卫服务站",
    "示例餐饮管理公司",
    "苏州示例家政服务社",
]
ROADS = ["示例路", "示例街", "示例巷", "示例弄"]
BANKS = ["中国工商银行苏州分行", "中国农业银行苏州分行", "中国建设银行苏州分行", "苏州银行"]
REGIONS = ["320505", "320506", "320508", "320506", "320581"]
VISITORS = ["李芳、王强", "陈静、周伟", "张敏、刘洋", "顾晓燕、沈磊"]
FINDINGS = [
    "家中陈设简陋，主要收入依靠低保和零工，情况属实。",
    "配偶长期患病卧床，子女在读，经济压力大，情况属实。",
    "住房为租赁公房，申请人失业后无稳定收入，情况属实。",
    "家庭成员身体状况与申报一致，医疗支出票据已核对。",
]

#: The share of households left in each state (the rest are active).
STATE_MIX = [
    (FileStatus.APPLIED, 0.08),
    (FileStatus.INITIAL_REVIEW, 0.07),
    (FileStatus.HOME_VISIT, 0.06),
    (FileStatus.FINAL_REVIEW, 0.06),
    (FileStatus.PUBLIC_NOTICE, 0.05),
    (FileStatus.RETURNED, 0.04),
    (FileStatus.REJECTED, 0.03),
    (FileStatus.EXITED, 0.04),
    (FileStatus.CANCELLED, 0.02),
]
#: The path through the workflow to each state: (action, status reached).
PATHS = {
    FileStatus.INITIAL_REVIEW: ["submit"],
    FileStatus.HOME_VISIT: ["submit", "pass_initial"],
    FileStatus.FINAL_REVIEW: ["submit", "pass_initial", "visit", "complete_visit"],
    FileStatus.PUBLIC_NOTICE: ["submit", "pass_initial", "visit", "complete_visit", "approve"],
    FileStatus.ACTIVE: [
        "submit",
        "pass_initial",
        "visit",
        "complete_visit",
        "approve",
        "activate",
    ],
    FileStatus.RETURNED: ["submit", "return"],
    FileStatus.REJECTED: ["submit", "pass_initial", "visit", "complete_visit", "reject"],
    FileStatus.EXITED: [
        "submit",
        "pass_initial",
        "visit",
        "complete_visit",
        "approve",
        "activate",
        "exit",
    ],
    FileStatus.CANCELLED: [
        "submit",
        "pass_initial",
        "visit",
        "complete_visit",
        "approve",
        "activate",
        "cancel",
    ],
}
REASONS = {
    "return": "收入证明缺少单位盖章，请补充后重新提交。",
    "reject": "入户调查发现家庭有经营性收入，人均收入超过标准。",
    "exit": "申请人已重新就业，家庭收入稳定，脱困。",
    "cancel": "户主已迁出本市，注销档案。",
}


class _Ids:
    """Unique fictitious IDs: sequence 900–999 per (region, birth date)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: date, female: bool) -> str:
        while True:
            seq = self.rng.randrange(900, 1000)
            if (seq % 2 == 0) != female:
                seq = seq + 1 if seq < 999 else seq - 1
            number = make_resident_id(self.rng.choice(REGIONS), birth, seq)
            if number not in self.used:
                self.used.add(number)
                return number


def _birth(rng: random.Random, low: int, high: int) -> date:
    return date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))


def _household(rng: random.Random, ids: _Ids, n: int) -> services.FileInput:
    today = local_today()
    female = rng.random() < 0.45
    head_birth = _birth(rng, 1962, 1992)
    members = []
    if rng.random() < 0.75:
        members.append(
            services.MemberInput(
                relation=Relation.SPOUSE,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                id_number=ids.make(
                    _birth(rng, head_birth.year - 3, head_birth.year + 3), not female
                ),
                monthly_income_fen=rng.choice([0, 0, 120_000, 180_000, 250_000]),
                health=rng.choice([Health.GOOD, Health.GOOD, Health.CHRONIC, Health.SERIOUS]),
            )
        )
    surname = rng.choice(SURNAMES)
    for _ in range(rng.choice([0, 1, 1, 2])):
        child_birth = _birth(rng, max(head_birth.year + 22, 2000), min(head_birth.year + 38, 2020))
        members.append(
            services.MemberInput(
                relation=Relation.CHILD,
                name=surname + rng.choice(GIVEN),
                id_number=ids.make(child_birth, rng.random() < 0.5),
                monthly_income_fen=0,
                health=Health.GOOD,
                is_student=child_birth.year >= 2003,
            )
        )
    if rng.random() < 0.15:
        members.append(
            services.MemberInput(
                relation=Relation.PARENT,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                id_number=ids.make(_birth(rng, 1938, 1958), rng.random() < 0.5),
                monthly_income_fen=rng.choice([0, 90_000]),
                health=rng.choice([Health.CHRONIC, Health.DISABLED]),
            )
        )
    size = 1 + len(members)
    # Per-capita income spread around the 低保 line so every category appears.
    per_capita = rng.choice([0.5, 0.7, 0.9, 1.2, 1.5, 1.8, 2.3, 3.0]) * DEMO_STANDARD_FEN
    rigid = rng.choice([0, 0, 300_000, 800_000, 1_500_000])
    annual = int(per_capita * 12 * size) + rigid
    sudden = rng.random() < 0.1
    migrant = rng.random() < 0.25
    main = rng.choice(list(Cause))
    return services.FileInput(
        name=surname + rng.choice(GIVEN),
        id_number=ids.make(head_birth, female),
        phone=f"1380000{n:04d}",
        address=f"苏州市{rng.choice(['姑苏区', '吴中区'])}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
        employer=rng.choice(EMPLOYERS),
        work_status=rng.choice(list(WorkStatus)),
        health=rng.choice([Health.GOOD, Health.CHRONIC, Health.SERIOUS, Health.DISABLED]),
        health_notes=rng.choice(["", "高血压", "糖尿病，需长期服药", "肢体残疾三级"]),
        is_migrant_worker=migrant,
        labour_relation_since=today - timedelta(days=rng.randint(200, 3000)) if migrant else None,
        is_union_member=rng.random() < 0.9,
        is_model_worker=rng.random() < 0.03,
        bank_name=rng.choice(BANKS),
        bank_account="6222" + "".join(str(rng.randint(0, 9)) for _ in range(15)),
        main_cause=main,
        secondary_causes=rng.sample([c for c in Cause if c != main], rng.choice([0, 1, 2])),
        consent_signed_on=today - timedelta(days=rng.randint(400, 900)),
        members=members,
        annual_income_fen=annual,
        rigid_expenses_fen=rigid,
        hardship_costs_fen=int(annual * rng.choice([0, 0.3, 0.9])),
        has_sudden_event=sudden,
        exclusions=[Exclusion.PRIVATE_CAR] if rng.random() < 0.03 else [],
    )


def _pick_state(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for state, share in STATE_MIX:
        acc += share
        if roll < acc:
            return state
    return FileStatus.ACTIVE


def _users() -> dict[str, User]:
    return {u.username: u for u in db.session.scalars(select(User))}


CONSENT_PDF = b"%PDF-1.4\n% demo consent form (fictitious)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _attach_consent(applicant, caseworker: User) -> None:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    store_attachment(
        FileStorage(BytesIO(CONSENT_PDF), filename="授权委托书.pdf"),
        acting_user=caseworker,
        owner_type=services.OWNER_TYPE,
        owner=applicant,
        kind=AttachmentKind.CONSENT,
    )


def _walk(applicant, path: list[str], caseworker: User, supervisor: User, rng, start: date):
    """Record the workflow steps directly, with dates spread over the past months."""
    day = start
    for step in path:
        day = min(day + timedelta(days=rng.randint(2, 12)), local_today())
        at = utcnow() - timedelta(days=(local_today() - day).days)
        if step == "visit":
            applicant.visits.append(
                HomeVisit(
                    visited_on=day,
                    visitors=rng.choice(VISITORS),
                    findings=rng.choice(FINDINGS),
                    recorded_by_id=caseworker.id,
                    recorded_at=at,
                )
            )
            applicant.events.append(
                FileEvent(
                    action="home_visit",
                    from_status=applicant.status,
                    to_status=applicant.status,
                    centre_id=applicant.centre_id,
                    user_id=caseworker.id,
                    at=at,
                )
            )
            continue
        t = services.TRANSITIONS[step]
        actor = caseworker if Role.CASEWORKER in t.roles else supervisor
        before = applicant.status
        applicant.status = t.target or applicant.status
        reason = REASONS.get(step, "")
        if step == "approve":
            applicant.notice_started_on = day
        if step == "activate":
            applicant.activated_on = day
            applicant.last_reviewed_on = day
            applicant.category = applicant.latest_assessment.category
        if reason:
            applicant.status_reason = reason
        applicant.events.append(
            FileEvent(
                action=step,
                from_status=before,
                to_status=applicant.status,
                reason=reason,
                centre_id=applicant.centre_id,
                user_id=actor.id,
                at=at,
            )
        )
    if applicant.status == FileStatus.ACTIVE:
        applicant.review_due_on = applicant.last_reviewed_on + timedelta(days=365)


@seeder("files")
def seed_files(rng: random.Random) -> str:
    """Seed the SZ 低保 standard and a few hundred households across the stations."""
    users = _users()
    admin = users[demo_username("SZ", Role.ADMIN)]
    services.add_standard(
        acting_user=admin,
        region_code="SZ",
        region_name="苏州市（演示值）",
        monthly_fen=DEMO_STANDARD_FEN,
        effective_from=date(2025, 7, 1),
    )
    stations = db.session.scalars(
        select(Centre).where(Centre.tier == Tier.STATION).order_by(Centre.code)
    ).all()
    ids = _Ids(rng)
    today = local_today()
    counts: dict[str, int] = {}
    for n in range(HOUSEHOLDS):
        centre = stations[n % len(stations)]
        caseworker = users[demo_username(centre.code, Role.CASEWORKER)]
        supervisor = users[demo_username(centre.code, Role.SUPERVISOR)]
        data = _household(rng, ids, n)
        state = _pick_state(rng)
        if data.exclusions and state not in (FileStatus.APPLIED, FileStatus.REJECTED):
            state = FileStatus.APPLIED
        applicant = services.register_household(data, acting_user=caseworker, centre=centre)
        if state != FileStatus.APPLIED:
            _attach_consent(applicant, caseworker)
            latest = applicant.latest_assessment
            if latest.category == "not_eligible" and state not in (
                FileStatus.INITIAL_REVIEW,
                FileStatus.RETURNED,
                FileStatus.REJECTED,
            ):
                latest.category = rng.choice(["relative", "accident"])
                latest.override_reason = "入户调查确认家庭实际困难，经审批人调整类别。"
                latest.overridden_by_id = supervisor.id
                applicant.category = latest.category
            # Some active files were put on record long ago, so their review is overdue.
            back = rng.choice([60, 120, 200, 300, 420, 500]) if state == FileStatus.ACTIVE else 90
            _walk(
                applicant, PATHS[state], caseworker, supervisor, rng, today - timedelta(days=back)
            )
            if state == FileStatus.PUBLIC_NOTICE and counts.get(state, 0) % 2 == 0:
                # Every other file in notice ends it today, so activation can be tried at once.
                applicant.notice_started_on = today - timedelta(days=applicant.centre.notice_days)
        counts[state] = counts.get(state, 0) + 1
    db.session.flush()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return (
        f"Hardship files: {HOUSEHOLDS} fictitious households ({summary}); 低保 standard SZ "
        f"{DEMO_STANDARD_FEN // 100} yuan/month from 2025-07-01 (demonstration value)."
    )
