"""统计: the dashboard for a centre's subtree and a period, its charts and its PDF report."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from assist.auth.forms import EmptyForm
from assist.centres.models import Centre
from assist.core.errors import ValidationError
from assist.core.forms import audited, int_arg, perform
from assist.core.money import format_yuan
from assist.core.nav import Card, register_card, register_nav
from assist.core.redirects import safe_next
from assist.core.scoping import get_scoped_or_404, roles_required, scoped_centres
from assist.core.timeutil import to_local
from assist.documents.pdf import render_pdf
from assist.documents.services import finish, prepare, static_root
from assist.documents.views import issued_on_request, pdf_response
from assist.extensions import db
from assist.stats import services
from assist.stats.documents import READ_ROLES, STATS_REPORT, Report, chart_for
from assist.stats.jobs import request_refresh

bp = Blueprint("stats", __name__, url_prefix="/stats")

register_nav(_l("Figures"), "stats.index", roles=READ_ROLES, order=70, group="figures")

#: An SVG chart is its own document: it may style itself, and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _request_scope():
    """The centre and period of the request; 404 for a centre outside the user's scope."""
    centre_id = int_arg(request.args, "centre") or current_user.centre_id
    centre = get_scoped_or_404(Centre, centre_id, current_user, Centre.id)
    period = services.parse_period(request.args.get("from"), request.args.get("to"))
    return centre, period


@bp.route("/")
@login_required
@roles_required(*READ_ROLES)
def index():
    try:
        centre, period = _request_scope()
    except ValidationError as err:
        flash(err.message, "danger")
        return redirect(url_for("stats.index"))
    board = perform(lambda: services.dashboard(centre, period)).value  # built once, kept
    return render_template(
        "stats/index.html",
        board=board,
        centres=db.session.scalars(scoped_centres(current_user)).all(),
        form=EmptyForm(),
    )


@bp.route("/charts/<key>.svg")
@login_required
@roles_required(*READ_ROLES)
def chart(key: str):
    try:
        centre, period = _request_scope()
    except ValidationError:
        abort(404)
    section = services.dashboard(centre, period).section(key)
    if section is None:
        abort(404)
    response = Response(str(chart_for(section)), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.route("/report.pdf", methods=["GET", "POST"])
@login_required
@roles_required(*READ_ROLES)
@issued_on_request(lambda: _request_scope())
def report():
    try:
        centre, period = _request_scope()
    except ValidationError as err:
        flash(err.message, "danger")
        return redirect(url_for("stats.index"))

    def issue():
        document, html = prepare(
            STATS_REPORT, Report(centre.id, centre, period), acting_user=current_user
        )
        pdf = render_pdf(html, static_root=static_root())
        finish(document, pdf, acting_user=current_user)
        return document, pdf

    return audited(
        issue,
        lambda issued: pdf_response(*issued, download=request.values.get("download") == "1"),
    )


@bp.route("/refresh", methods=["POST"])
@login_required
@roles_required(*READ_ROLES)
def refresh():
    if not EmptyForm().validate_on_submit():
        abort(400)
    request_refresh()  # a job of the engine (inline in tests: done before the redirect)
    flash(_("The figures are being recomputed; reload the page in a minute."), "info")
    return redirect(safe_next(request.form.get("next"), url_for("stats.index")))


def _figure_cards(user) -> list[Card]:
    """The headline figures on the landing page, read from the summary table."""
    if not user.has_role(*READ_ROLES):
        return []
    board = services.dashboard(user.centre, services.parse_period(None, None))
    people = board.section("files.people")
    paid = board.section("aid.kind")
    active = next((r.count for r in people.rows if r.key == "all"), 0) if people else 0
    overdue = next((r.count for r in people.rows if r.key == "overdue"), 0) if people else 0
    total_paid = sum(r.amount_fen for r in paid.rows) if paid else 0
    return [
        Card(
            _("Active files in your network"),
            str(active),
            url_for("stats.index"),
            note=_("%(n)d reviews overdue", n=overdue),
            tone="warning" if overdue else "primary",
        ),
        Card(
            _("Aid paid this year"),
            f"¥{format_yuan(total_paid)}",
            url_for("stats.index"),
            note=_("Figures as of %(time)s", time=f"{to_local(board.computed_at):%Y-%m-%d %H:%M}"),
        ),
    ]


register_card(_figure_cards, order=5)
