"""The figures report: the charts' own labels survive into the PDF's text."""

import io
import re

import pypdf
from sqlalchemy import select

from assist.documents.models import IssuedDocument
from assist.extensions import db
from tests.conftest import login, post_form
from tests.stats.helpers import seed_figures


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _svg_texts(svg: str) -> list[str]:
    return [t for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg) if t.strip()]


def test_report_pdf_keeps_each_chart_types_labels_as_text(client, network):
    seed_figures(network)
    login(client, "sz-gs.supervisor")
    response = post_form(client, "/stats/report.pdf?from=2026-01&to=2026-12")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = re.sub(r"\s", "", _text(response.data))
    # bar chart (category), month chart and the hatched pair chart (spend against allocation)
    for key in ("files.category", "aid.kind.month", "funds.spend"):
        svg = client.get(f"/stats/charts/{key}.svg?from=2026-01&to=2026-12").get_data(as_text=True)
        labels = _svg_texts(svg)
        assert labels, key
        for label in labels:
            assert re.sub(r"\s", "", label) in text, (key, label)
    assert "深度困难" in text and "统计报表" in text
    document = db.session.scalars(select(IssuedDocument)).one()
    assert document.kind == "stats_report" and document.sha256
