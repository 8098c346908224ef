"""Synthetic, plain-data context for templates/documents/_sample_case_file.html.

Everything here is invented.  The template takes only dicts, lists and
strings (no ORM objects).  Amounts in Chinese capitals are passed as strings:
the app will produce them with ``assist.core.money.fen_to_capitals``; the small
``capitals()`` below only exists so the benchmark data is self-consistent.

``make_case_file(variant)`` varies the household, numbers and amounts so a
batch of documents is not 500 identical renders.
"""

from __future__ import annotations

DIBAO_MONTHLY_FEN = 119_500  # 苏州市城乡低保标准 1,195 元/人·月（示例）

_DIGITS = "零壹贰叁肆伍陆柒捌玖"

_HEADS = [
    ("陈建国", "男", "1973年5月", "320508197305******17"),
    ("王秀兰", "女", "1971年8月", "320508197108******26"),
    ("周志强", "男", "1976年2月", "320506197602******35"),
    ("顾美华", "女", "1974年11月", "320508197411******42"),
    ("徐卫东", "男", "1969年3月", "320505196903******1X"),
]

# (case number, kind, title, amount in fen, basis, timeline rows)
_AID_CASES = [
    (
        "PJ-BZ-2026-0107",
        "送温暖",
        "2026年元旦春节送温暖慰问",
        150_000,
        "苏工发〔2025〕38号，对在档深度困难职工家庭开展两节慰问。",
        [
            ("2026-01-09", "服务站提名", "平江街道职工服务站 周敏", "拟慰问，标准1500元。"),
            ("2026-01-16", "市级批准", "苏州市总工会帮扶中心 沈佳", "批准，纳入第一批。"),
            ("2026-01-22", "入户发放", "姑苏区总工会 刘海燕 等", "已送达，户主签收。"),
        ],
    ),
    (
        "PJ-BZ-2026-0118",
        "医疗救助",
        "户主血液透析医疗救助",
        684_260,
        "医保报销后个人自付部分按20%救助（《苏州市困难职工医疗救助实施细则》）。",
        [
            (
                "2026-01-19",
                "受理并核算",
                "平江街道职工服务站 周敏",
                "自付34,213.00元×20%＝6,842.60元。",
            ),
            ("2026-01-27", "区级复核", "姑苏区总工会帮扶中心 王立新", "核算无误，同意。"),
            ("2026-02-05", "市级审批", "苏州市总工会帮扶中心 沈佳", "批准6,842.60元。"),
        ],
    ),
    (
        "PJ-BZ-2026-0126",
        "助学",
        "金秋助学（大学本科）",
        500_000,
        "深度困难职工家庭在读全日制本科生，每学年资助5000元。",
        [
            ("2026-01-20", "申请受理", "平江街道职工服务站 周敏", "附在校证明、缴费凭证。"),
            ("2026-02-10", "市级审批", "苏州市总工会帮扶中心 沈佳", "批准，2025—2026学年。"),
        ],
    ),
    (
        "PJ-BZ-2026-0131",
        "生活救助",
        "生活救助（2026年1—3月）",
        180_000,
        "家庭人均收入低于低保标准的深度困难职工，每月600元，按季度发放。",
        [
            ("2026-01-21", "服务站提出", "平江街道职工服务站 周敏", "人均收入低于低保标准。"),
            ("2026-02-10", "市级审批", "苏州市总工会帮扶中心 沈佳", "批准1800元。"),
        ],
    ),
    (
        "PJ-BZ-2026-0144",
        "临时救助",
        "母亲住院期间护理临时救助",
        235_000,
        "家庭成员突发重病致护理支出骤增，给予一次性临时救助。",
        [
            ("2026-02-12", "紧急受理", "平江街道职工服务站 周敏", "母亲2月9日再次脑梗住院。"),
            ("2026-02-13", "入户核实", "周敏、王立新", "属实，护工费每日180元。"),
            ("2026-02-14", "区级审批", "姑苏区总工会帮扶中心 王立新", "批准2350元，报市级备案。"),
        ],
    ),
    (
        "PJ-BZ-2026-0152",
        "就业援助",
        "配偶养老护理员技能培训",
        80_000,
        "困难职工家庭成员参加技能培训并取得证书的，给予培训补贴800元。",
        [
            ("2026-02-24", "推荐参训", "姑苏区职工服务中心", "报名养老护理员（五级）培训。"),
            (
                "2026-03-12",
                "结业并推荐就业",
                "平江街道职工服务站 周敏",
                "取得证书，推荐至社区养老服务中心。",
            ),
        ],
    ),
]

_PAY_DATES = ["2026-01-22", "2026-02-07", "2026-02-12", "2026-02-12", "2026-02-21", "2026-03-13"]


def yuan(fen: int) -> str:
    """12345678 → '123,456.78'."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def capitals(fen: int) -> str:
    """Small stand-in for assist.core.money.fen_to_capitals (benchmark data only)."""
    if fen == 0:
        return "人民币零元整"
    units = ["", "拾", "佰", "仟"]
    whole, jiao, fen_digit = fen // 100, fen // 10 % 10, fen % 10

    def four(n: int) -> str:
        out, zero = "", False
        for i in range(3, -1, -1):
            d = n // 10**i % 10
            if d == 0:
                zero = bool(out)
            else:
                if zero:
                    out += "零"
                    zero = False
                out += _DIGITS[d] + units[i]
        return out

    text = ""
    if whole:
        high, low = divmod(whole, 10_000)
        if high:
            text += four(high) + "万"
            if 0 < low < 1000:
                text += "零"
        text += four(low) + "元"
    if jiao == 0 and fen_digit == 0:
        text += "整"
    else:
        if jiao:
            text += _DIGITS[jiao] + "角"
        elif whole:
            text += "零"
        if fen_digit:
            text += _DIGITS[fen_digit] + "分"
        else:
            text += "整"  # 到角为止也写"整", as assist.core.money does
    return "人民币" + text


def make_case_file(variant: int = 0) -> dict:
    """Return the template context of one synthetic 困难职工档案."""
    head_name, head_sex, head_born, head_id = _HEADS[variant % len(_HEADS)]
    surname = head_name[0]
    bump = (variant % 7) * 10_000  # vary amounts a little between documents

    members = [
        {"name": head_name, "relation": "户主", "id_masked": head_id,
         "health": "尿毒症，规律透析", "occupation": "挡车工（病休）",
         "income_fen": 2_400_000},
        {"name": "李桂芳", "relation": "配偶", "id_masked": "320508197509******28",
         "health": "健康", "occupation": "家政服务（灵活就业）",
         "income_fen": 3_120_000 + bump},
        {"name": f"{surname}晓雨", "relation": "女儿", "id_masked": "320508200511******21",
         "health": "健康", "occupation": "苏州大学本科在读", "income_fen": 0},
        {"name": "张凤英", "relation": "母亲", "id_masked": "320508194802******2X",
         "health": "脑梗后遗症，失能", "occupation": "无（领取基础养老金）",
         "income_fen": 360_000},
    ]  # fmt: skip
    for member in members:
        member["income"] = yuan(member["income_fen"])
    annual_income = sum(m["income_fen"] for m in members)
    rigid = [
        ("户主血液透析及药品个人自付部分", "医保结算单 2025年1—12月", 3_421_300),
        ("母亲住院及康复治疗个人自付部分", "住院费用清单 2025年", 620_000),
        ("女儿大学学费及住宿费", "缴费凭证 2025—2026学年", 640_000),
    ]
    rigid_total = sum(r[2] for r in rigid)
    household = len(members)
    net = annual_income - rigid_total
    per_capita = round(net / 12 / household)

    aid_cases, payments = [], []
    for i, (number, kind, title, fen, basis, timeline) in enumerate(_AID_CASES):
        fen += bump if kind == "医疗救助" else 0
        aid_cases.append(
            {
                "number": number,
                "kind": kind,
                "title": title,
                "basis": basis,
                "amount": yuan(fen),
                "amount_capitals": capitals(fen),
                "status": "已发放",
                "timeline": [
                    {"date": d, "step": s, "actor": a, "note": n} for d, s, a, n in timeline
                ],
            }
        )
        payments.append(
            {
                "date": _PAY_DATES[i],
                "case_number": number,
                "item": kind,
                "fen": fen,
                "amount": yuan(fen),
                "amount_capitals": capitals(fen),
                "voucher": f"ZF2026-{310 + i * 7 + variant:05d}",
            }
        )
    payments_total = sum(p["fen"] for p in payments)

    return {
        "doc": {
            "title": "困难职工档案",
            "doc_number": f"PJ-DA-2026-{913 + variant:06d}",
            "verify_code": f"7KQ3-{(0x9D2F + variant * 7919) % 0xFFFF:04X}",
            "printed_at": "2026年3月18日",
            "printed_by": "周敏",
        },
        "file": {
            "number": f"SZ-GS-PJ-2026-{42 + variant:05d}",
            "category": "深度困难",
            "category_note": "家庭人均月收入低于当地城乡低保标准",
            "centre": "苏州市总工会困难职工帮扶中心",
            "district_centre": "姑苏区总工会帮扶中心",
            "station": "平江街道职工服务站",
            "established": "2026年1月6日",
            "approved": "2026年2月3日",
            "last_review": "2026年3月10日",
            "next_review": "2026年6月10日",
            "valid_until": "2026年12月31日",
            "status": "在档（动态管理）",
            "handler": "周敏",
            "secrecy": "内部资料 注意保密",
        },
        "head": {
            "name": head_name,
            "sex": head_sex,
            "born": head_born,
            "id_masked": head_id,
            "phone": "139****6621",
            "employer": "苏州华纶纺织有限公司",
            "position": "挡车工，2024年9月起病休",
            "member_card": "3205080031224",
            "address": "苏州市姑苏区平江街道钮家巷××号×幢×室",
            "housing": "承租公房38.6㎡",
            "cause": "本人患尿毒症长期透析；母亲重病失能需专人照护；女儿就读大学。",
        },
        "members": members,
        "income": {
            "year": "2025年度",
            "annual_income": yuan(annual_income),
            "rigid": [{"item": a, "evidence": b, "amount": yuan(c)} for a, b, c in rigid],
            "rigid_total": yuan(rigid_total),
            "net": yuan(net),
            "household": household,
            "per_capita": yuan(per_capita),
            "dibao": yuan(DIBAO_MONTHLY_FEN),
            "ratio": f"{per_capita / DIBAO_MONTHLY_FEN * 100:.1f}",
            "conclusion": "低于当地城乡低保标准，符合深度困难职工认定条件",
        },
        "visit": {
            "date": "2026年1月8日 14:30—15:40",
            "visitors": "周敏（平江街道职工服务站）、王立新（区帮扶中心）",
            "accompanied": "社区居委会 陆晓春",
            "paragraphs": [
                (
                    f"走访时户主{head_name}刚结束上午的血液透析，精神状态较差。家庭居住于钮家巷"
                    "老式公房二楼，两室无厅，陈设简陋，无机动车辆。母亲张凤英卧床，由配偶白天"
                    "照护，配偶晚间外出从事家政工作。"
                ),
                (
                    "经核对医保结算单和民政家庭经济状况核对报告，家庭无其他房产，存款不足五千元。"
                    "走访人意见：困难情况属实，致困原因为大病与失能照护双重负担，建议认定为深度"
                    "困难职工。"
                ),
            ],
        },
        "reviews": [
            {
                "date": "2026-01-06",
                "tier": "服务站",
                "action": "受理建档申请",
                "person": "周敏",
                "result": "材料齐全，予以受理",
            },
            {
                "date": "2026-01-12",
                "tier": "服务站",
                "action": "初审（含入户走访）",
                "person": "周敏",
                "result": "通过，拟认定深度困难",
            },
            {
                "date": "2026-01-20",
                "tier": "区级",
                "action": "复核，公示1月21日—27日",
                "person": "王立新",
                "result": "通过，公示无异议",
            },
            {
                "date": "2026-02-03",
                "tier": "市级",
                "action": "审定入库",
                "person": "沈佳",
                "result": "认定为深度困难职工",
            },
            {
                "date": "2026-03-10",
                "tier": "服务站",
                "action": "季度动态复核",
                "person": "周敏",
                "result": "情况无变化，维持类别",
            },
        ],
        "aid_cases": aid_cases,
        "payments": payments,
        "payments_total": yuan(payments_total),
        "payments_total_capitals": capitals(payments_total),
        "payments_note": "送温暖慰问金现金入户发放，其余均由苏州银行代发至户主账户（尾号4417）。",
        "attachments": [
            {"title": "困难职工帮扶申请表（户主签字）", "pages": 2, "date": "2026-01-06"},
            {"title": "户主及家庭成员身份证、户口簿复印件", "pages": 4, "date": "2026-01-06"},
            {"title": "工会会员证复印件、单位收入证明", "pages": 3, "date": "2026-01-06"},
            {"title": "诊断证明及透析费用医保结算单", "pages": 12, "date": "2026-01-15"},
            {"title": "在校证明及学费缴费凭证", "pages": 3, "date": "2026-01-20"},
            {"title": "入户走访记录表（双人签字）", "pages": 2, "date": "2026-01-08"},
            {"title": "民政家庭经济状况核对报告", "pages": 3, "date": "2026-01-10"},
            {"title": "公示情况说明及银行账户确认书", "pages": 2, "date": "2026-01-28"},
        ],
        "signatures": [
            {
                "tier": "服务站意见",
                "unit": "平江街道职工服务站",
                "opinion": "经入户核实，情况属实，同意建档，拟认定为深度困难职工。",
                "handler": "周敏",
                "leader": "许文华",
                "date": "2026年1月12日",
            },
            {
                "tier": "区级审核意见",
                "unit": "姑苏区总工会帮扶中心",
                "opinion": "经复核并公示无异议，同意上报。",
                "handler": "王立新",
                "leader": "刘海燕",
                "date": "2026年1月28日",
            },
            {
                "tier": "市级审定意见",
                "unit": "苏州市总工会帮扶中心",
                "opinion": "同意认定为深度困难职工，纳入帮扶档案动态管理。",
                "handler": "沈佳",
                "leader": "陈立群",
                "date": "2026年2月3日",
            },
        ],
    }
