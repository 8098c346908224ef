"""/help: how a file goes on record, how a case moves, and the limits of the user's centres."""

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from assist.centres.scoping import scoped_centres
from assist.core.nav import register_nav
from assist.extensions import db

bp = Blueprint("help", __name__, url_prefix="/help")

PAGES = {
    "files": _l("From application to file on record"),
    "cases": _l("The aid case workflow"),
    "limits": _l("Approval limits and notice periods"),
}

register_nav(_l("Help"), "help.index", order=99, group="account")


@bp.route("/")
@login_required
def index():
    return render_template("help/index.html", pages=PAGES)


@bp.route("/<topic>")
@login_required
def page(topic: str):
    if topic not in PAGES:
        abort(404)
    centres = db.session.scalars(scoped_centres(current_user)).all() if topic == "limits" else []
    return render_template(f"help/{topic}.html", title=PAGES[topic], pages=PAGES, centres=centres)
