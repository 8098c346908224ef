"""/search: one box for names, IDs (full or last four), phones, file, case and payment numbers.

The box posts (with its CSRF token). A full resident ID is answered on that POST and never
travels in a URL; anything else is redirected to ``GET /search?q=…`` so results can be
bookmarked and reloaded. A single hit opens the record itself.
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from assist.applicants.queries import is_full_id
from assist.auth.forms import EmptyForm
from assist.core.forms import text_arg
from assist.search import registry

bp = Blueprint("search", __name__, url_prefix="/search")


def _answer(q: str, *, shown_q: str):
    if not registry.providers_for(current_user):
        abort(403)
    hits = registry.search(current_user, q)
    if len(hits) == 1:
        return redirect(hits[0].url)
    return render_template("search/results.html", hits=hits, q=shown_q, limit=registry.LIMIT)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        q = text_arg(request.form, "q", max_length=60)
        if is_full_id(q):
            return _answer(q, shown_q="")
        return redirect(url_for("search.index", q=q))
    q = text_arg(request.args, "q", max_length=60)
    if is_full_id(q):  # typed into a URL by hand: answer, but never echo it back
        return _answer(q, shown_q="")
    return _answer(q, shown_q=q)
