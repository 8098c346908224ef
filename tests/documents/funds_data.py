"""Real payments and batches for the funds documents: made through the funds services."""

import io
import re
from datetime import date

from pypdf import PdfReader

from assist.cases.models import AidKind
from assist.extensions import db
from assist.funds import batches, services
from assist.funds.models import Payment, PaymentBatch
from assist.funds.services import PaymentDetails, new_idempotency_key
from tests.factories import next_resident_id, user
from tests.funds.factories import allocate_down, make_fund, make_ready_case

STATION = "SZ-GS-PJ"
#: Names for batch households: common surnames, one rare character beyond GB 2312 (䶮).
NAMES = ["李秀英", "张伟", "刘德华", "陈静", "杨帆", "赵丽", "黄磊", "周杰", "吴敏", "徐䶮"]


def funded_station(network, amount_fen: int = 5_000_000):
    fund = make_fund(received_fen=10_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", STATION)], amount_fen)
    return fund


def bank_payment(network, *, name="王建国", amount_fen=150_000, id_number=None) -> Payment:
    """A bank-transfer payment of one ready case at the station, committed."""
    fund = funded_station(network)
    case = make_ready_case(network[STATION], amount_fen=amount_fen, name=name, id_number=id_number)
    payment, _created = services.pay_case(
        case,
        acting_user=user("sz-gs-pj.finance"),
        fund=fund,
        amount_fen=amount_fen,
        details=PaymentDetails(method="bank_transfer", reference="ICBC2026112500001"),
        idempotency_key=new_idempotency_key(),
    )
    db.session.commit()
    return payment


def goods_payment(network, *, name="孙桂兰") -> Payment:
    fund = funded_station(network)
    case = make_ready_case(network[STATION], amount_fen=30_000, kind=AidKind.HOLIDAY, name=name)
    payment, _created = services.pay_case(
        case,
        acting_user=user("sz-gs-pj.finance"),
        fund=fund,
        amount_fen=None,
        details=PaymentDetails(
            method="in_kind",
            signed_by=name,
            signed_on=date(2026, 1, 20),
            items=[
                {"name": "大米（10公斤）", "quantity": 2, "unit_value_fen": 8_000},
                {"name": "食用油（5升）", "quantity": 2, "unit_value_fen": 7_000},
            ],
        ),
        idempotency_key=new_idempotency_key(),
    )
    db.session.commit()
    return payment


def paid_batch(network, count: int = 6, *, method="cash", fund=None) -> PaymentBatch:
    """A paid batch of `count` holiday cases at the station (names from NAMES), committed."""
    fund = fund or funded_station(network)
    finance = user("sz-gs-pj.finance")
    batch = batches.create_batch(
        acting_user=finance, title="2026年春节送温暖", fund=fund, method=method
    )
    for n in range(count):
        case = make_ready_case(
            network[STATION],
            kind=AidKind.HOLIDAY,
            amount_fen=100_000 + 1_000 * n,
            name=NAMES[n % len(NAMES)],
            id_number=next_resident_id(female=n % 2 == 1),
        )
        batches.add_case(batch, case, acting_user=finance)
    reference = "BULK-20260120" if method == "bank_transfer" else ""
    batches.pay_batch(batch, acting_user=finance, paid_on=date(2026, 1, 20), reference=reference)
    db.session.commit()
    return batch


def pdf_text(data: bytes) -> tuple[int, str]:
    """(page count, all text without whitespace) of a PDF."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", "", text)
