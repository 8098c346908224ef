"""The request's message catalogue is kept at hand (assist.core.i18n.FastDomain): it must
follow every change of language exactly as Flask-Babel would — between requests, inside
`force_locale` (records and printed documents are written in Chinese whatever the UI
language) and after it — in Python code, lazy messages and templates alike."""

from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext

from assist.core.i18n import record_text
from tests.conftest import login, post_form


def test_each_request_speaks_its_users_language(app, network):
    english, chinese = app.test_client(), app.test_client()
    login(english, "sz.admin")
    post_form(english, "/language", {"locale": "en", "next": "/"})
    login(chinese, "sz.caseworker")
    for _ in range(2):  # alternating requests: nothing kept from one leaks into the next
        assert "Sign out" in english.get("/help/").get_data(as_text=True)
        page = chinese.get("/help/").get_data(as_text=True)
        assert "退出登录" in page and "Sign out" not in page


def test_force_locale_switches_the_kept_catalogue_and_back(app):
    lazy = lazy_gettext("Sign out")
    template = "{{ _('Sign out') }}"
    with app.test_request_context("/?lang=en"):
        assert gettext("Sign out") == "Sign out"
        assert str(lazy) == "Sign out"
        assert render_template_string(template) == "Sign out"
        with force_locale("zh_Hans"):
            assert gettext("Sign out") == "退出登录"
            assert str(lazy) == "退出登录"
            assert render_template_string(template) == "退出登录"
            with force_locale("en"):
                assert gettext("Sign out") == "Sign out"
            assert gettext("Sign out") == "退出登录"
        assert gettext("Sign out") == "Sign out"
        assert render_template_string(template) == "Sign out"
        assert record_text(lazy) == "退出登录"  # a record's text is Chinese in an English request
        assert str(lazy) == "Sign out"


def test_a_lazy_message_is_escaped_once_in_templates_and_markup(app):
    """Lazy messages answer __html__ (one translation per use): their text is still escaped
    exactly once wherever it is written into HTML."""
    from markupsafe import Markup, escape

    lazy = lazy_gettext("<b>%(n)s</b> & co", n='"x"')
    with app.test_request_context("/"):
        expected = "&lt;b&gt;&#34;x&#34;&lt;/b&gt; &amp; co"
        assert render_template_string("{{ m }}", m=lazy) == expected
        assert str(escape(lazy)) == expected
        assert str(Markup("<i>%s</i>") % lazy) == f"<i>{expected}</i>"
        assert str(Markup("<i>") + lazy) == f"<i>{expected}"
        # a message is text: even `|safe` (Markup) escapes it now; none of ours holds markup
        assert render_template_string("{{ m|safe }}", m=lazy) == expected
