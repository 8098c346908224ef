"""The audit log's append-only rule, error pages, health, language and translations."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from assist.audit.models import AuditEntry
from assist.extensions import db
from assist.i18n import CATALOGUES
from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parent.parent


def test_audit_rows_cannot_be_changed_or_deleted_even_in_sql(app, network):
    entry_id = db.session.scalars(select(AuditEntry.id)).first()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_log SET action = 'x' WHERE id = :i"), {"i": entry_id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": entry_id})
    db.session.rollback()
    assert db.session.get(AuditEntry, entry_id) is not None


def test_audit_records_who_what_where_and_the_change(client, network):
    login(client, "sz.admin")
    pj = network["SZ-GS-PJ"]
    post_form(
        client,
        f"/admin/centres/{pj.id}",
        {
            "name": "平江新站",
            "address": pj.address,
            "phone": pj.phone,
            "approval_limit": "2000.00",
            "notice_days": "5",
        },
        token_from=f"/admin/centres/{pj.id}",
    )
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "centre.updated")
    ).one()
    assert entry.username == "sz.admin" and entry.ip == "127.0.0.1"
    assert entry.before == {"name": "平江街道职工服务站"} and entry.after == {"name": "平江新站"}
    page = client.get("/audit/?action=centre.updated").get_data(as_text=True)
    assert "平江新站" in page


def test_audit_filters_by_user_and_date(client, network):
    login(client, "sz.auditor")
    assert "sz.auditor" in client.get("/audit/?user=sz.auditor").get_data(as_text=True)
    empty = client.get("/audit/?user=sz.auditor&from=2001-01-01&to=2001-01-02")
    assert "暂无记录" in empty.get_data(as_text=True)


def test_error_pages_speak_the_ui_language(client, network):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "没有这个页面或记录" in response.get_data(as_text=True)
    login(client, "sz.caseworker")
    forbidden = client.get("/admin/users/")
    assert forbidden.status_code == 403 and "无权" in forbidden.get_data(as_text=True)


def test_language_switch_is_remembered_per_user(app, network):
    client = app.test_client()
    login(client, "sz.admin")
    response = post_form(client, "/language", {"locale": "en", "next": "/admin/centres/"})
    assert response.headers["Location"].endswith("/admin/centres/")
    assert "New centre" in client.get("/admin/centres/").get_data(as_text=True)
    other = app.test_client()
    login(other, "sz.admin")
    assert "Sign out" in other.get("/").get_data(as_text=True)
    assert "404" in other.get("/nope").get_data(as_text=True)
    assert "There is no such page" in other.get("/nope").get_data(as_text=True)


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_static_bootstrap_is_served_locally(client):
    html = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/bootstrap/bootstrap.min.css").status_code == 200


def test_every_message_has_a_chinese_translation():
    """Extract the messages from the sources and check each catalogue translates all of them."""
    method_map = [("**.py", "python"), ("**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    for name, (out_dir, sources) in CATALOGUES.items():
        with open(ROOT / out_dir / "zh_Hans/LC_MESSAGES/messages.po", "rb") as fh:
            catalogue = read_po(fh)
        translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
        for source in sources:
            path = ROOT / source
            found = []
            if path.is_dir():
                found = extract_from_dir(
                    str(path),
                    method_map,
                    keywords=keywords,
                    options_map={"**.html": {"extensions": "jinja2.ext.do"}},
                )
                found = [msg[2] for msg in found]
            else:
                from babel.messages.extract import extract_from_file

                method = "jinja2" if path.suffix == ".html" else "python"
                found = [m[1] for m in extract_from_file(method, str(path), keywords=keywords)]
            for message in found:
                msgid = message[0] if isinstance(message, tuple) else message
                assert msgid in translated, f"{name}: no Chinese for {msgid!r} ({source})"


def test_production_refuses_to_start_without_secrets(monkeypatch):
    from assist import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("ASSIST_DATA_KEY", "k")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app("production")


def test_catalogues_agree_on_shared_messages():
    """Domain catalogues merge into one at run time: one English text must read one way."""
    seen: dict[str, dict[str, str]] = {}
    for name, (out_dir, _sources) in CATALOGUES.items():
        with open(ROOT / out_dir / "zh_Hans/LC_MESSAGES/messages.po", "rb") as fh:
            for message in read_po(fh):
                if message.id and isinstance(message.id, str):
                    seen.setdefault(message.id, {})[name] = message.string
    clashes = {msgid: by for msgid, by in seen.items() if len(set(by.values())) > 1}
    assert clashes == {}, f"the same message is translated differently: {clashes}"
