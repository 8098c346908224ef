"""Helpers for the aid case tests: open and move cases through the JSON API."""

from sqlalchemy import select

from assist.cases.models import AidCase
from assist.extensions import db
from tests.conftest import api_token


class Api:
    """A signed-in API caller."""

    def __init__(self, client, username: str):
        self.client = client
        self.username = username
        self.headers = api_token(client, username)

    def get(self, url, **kw):
        return self.client.get(f"/api/v1{url}", headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(f"/api/v1{url}", json=json, headers=self.headers, **kw)

    def open_case(self, applicant=None, *, kind="living", amount="1500.00", expect=201, **extra):
        body = {"kind": kind, "reason": "家庭主要劳动力患病，收入骤减。", **extra}
        if amount is not None:
            body["amount_requested"] = amount
        if applicant is not None:
            body["applicant_id"] = applicant.id
        response = self.post("/cases", json=body)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def act(self, case_id, action, expect=200, **body):
        response = self.post(f"/cases/{case_id}/actions/{action}", json=body)
        assert response.status_code == expect, response.get_json()
        return response.get_json()


def case_row(case_id: int) -> AidCase:
    db.session.commit()  # end the test's transaction: see what other threads committed
    db.session.expire_all()
    return db.session.scalars(select(AidCase).where(AidCase.id == case_id)).one()


def actions(case_json: dict) -> list[str]:
    return [e["action"] for e in case_json["timeline"]]
