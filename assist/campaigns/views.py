"""Campaign pages: campaigns, quotas and progress, lists, visits, payment, sample checks."""

from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from assist.applicants.labels import CATEGORY_LABELS
from assist.applicants.models import Applicant, Category, Cause
from assist.attachments.models import AttachmentKind
from assist.attachments.services import attachments_of, store_attachment
from assist.auth.models import Role
from assist.campaigns import documents, forms, labels, queries, screening, services
from assist.campaigns import inbox as _inbox  # noqa: F401  (lists in 我的待办)
from assist.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignList,
    CampaignOccasion,
    EntryStatus,
    ListEntry,
    ListStatus,
    QuotaRequest,
    SampleCheck,
    SampleItem,
    SampleResult,
    Screening,
    Visit,
)
from assist.campaigns.owners import VISIT_OWNER
from assist.centres.models import Centre
from assist.core.errors import DomainError
from assist.core.forms import audited, int_arg, perform
from assist.core.nav import register_nav
from assist.core.pagination import fixed_limit
from assist.core.scoping import in_path_scope, roles_required, scoped
from assist.extensions import db
from assist.funds.models import Fund

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

#: The campaign page shows the newest sample checks in the user's scope, at most this many.
SAMPLE_CHECKS_SHOWN = 50
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
register_nav(_l("Campaigns"), "campaigns.index", roles=READERS, order=40, group="outreach")


@bp.app_context_processor
def _labels():
    return {"campaign_labels": labels, "category_labels": CATEGORY_LABELS}


def _check(fn, *args) -> tuple[bool, str]:
    """Offer an action only when it can succeed; otherwise say why (rules as buttons)."""
    try:
        fn(*args)
    except DomainError as err:
        return False, err.message
    return True, ""


def load_campaign(campaign_id) -> Campaign:
    campaign = queries.visible_campaign(current_user, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def load_list(list_id) -> CampaignList:
    clist = db.session.get(CampaignList, list_id)
    if clist is None or not queries.can_see_list(current_user, clist):
        abort(404)
    return clist


#: One statement for the entry with what its pages and the scope check read: its list, the
#: list's campaign and centre, the household and its centre, the visit, the holiday case.
#: Built once: SQLAlchemy reuses its cache key instead of hashing five joins per request.
_ENTRY_BY_ID = (
    select(ListEntry)
    .where(ListEntry.id == bindparam("entry_id"))
    .options(
        joinedload(ListEntry.list).joinedload(CampaignList.campaign),
        joinedload(ListEntry.list).joinedload(CampaignList.centre),
        joinedload(ListEntry.applicant).joinedload(Applicant.centre),
        joinedload(ListEntry.visit),
        joinedload(ListEntry.case),
    )
)


def load_entry(entry_id) -> ListEntry:
    entry = db.session.scalars(_ENTRY_BY_ID, {"entry_id": entry_id}).first()
    if entry is None or not queries.can_see_entry(current_user, entry):
        abort(404)
    return entry


# ---------------------------------------------------------------------------- campaigns


@bp.route("/")
@login_required
@roles_required(*READERS)
def index():
    campaigns = db.session.scalars(queries.visible_campaigns(current_user).limit(200)).all()
    can_create, _why = _check(services.check_create_campaign, current_user)
    return render_template("campaigns/index.html", campaigns=campaigns, can_create=can_create)


def _funds_for_user():
    return db.session.scalars(
        select(Fund)
        .join(Centre, Centre.id == Fund.centre_id)
        .where(Centre.id.in_([int(p) for p in current_user.centre.path.strip("/").split("/") if p]))
        .order_by(Fund.year.desc(), Fund.name)
    ).all()


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def new():
    try:
        services.check_create_campaign(current_user)
    except DomainError as err:
        flash(err.message, "danger")
        return redirect(url_for("campaigns.index"))
    errors: dict = {}
    if request.method == "POST":
        outcome = perform(
            lambda: services.create_campaign(
                acting_user=current_user, data=forms.campaign_input(request.form)
            ),
            refused=lambda err: None,  # the page lists the errors beside its fields
            done=_("The campaign has been created."),
        )
        if outcome.ok:
            return redirect(url_for("campaigns.detail", campaign_id=outcome.value.id))
        errors = outcome.error.fields or {"": outcome.error.message}
    return render_template(
        "campaigns/new.html",
        errors=errors,
        form=request.form,
        funds=_funds_for_user(),
        occasions=CampaignOccasion,
        kinds=CampaignKind,
        categories=[Category.DEEP, Category.RELATIVE, Category.ACCIDENT],
        causes=list(Cause),
    ), 422 if errors else 200


#: The campaign's funds, by the ids it keeps (built once: see `queries._standing`).
_FUNDS_BY_ID = select(Fund).where(Fund.id.in_(bindparam("ids", expanding=True)))


def _funds(campaign: Campaign) -> list[Fund]:
    if not campaign.fund_ids:
        return []
    return db.session.scalars(_FUNDS_BY_ID, {"ids": list(campaign.fund_ids)}).all()


@bp.route("/<int:campaign_id>/progress")
@login_required
@roles_required(*READERS)
def progress(campaign_id: int):
    """Progress per tier on its own: what a supervisor follows day by day during a campaign."""
    campaign = load_campaign(campaign_id)
    return render_template(
        "campaigns/progress.html",
        campaign=campaign,
        rows=queries.progress(campaign, current_user),
        funds=_funds(campaign),
        can_close=_check(services.check_close_campaign, campaign, current_user)[0],
        tab="progress",
    )


#: The overview's statements, built once (see `queries._standing`): the centres just below
#: the user's, and the newest sample checks in the user's scope.
_CHILD_CENTRES = (
    select(Centre)
    .where(Centre.parent_id == bindparam("parent_id"), Centre.is_active)
    .order_by(Centre.code)
)


@lru_cache(maxsize=1024)
def _sample_checks(path: str):
    return (
        select(SampleCheck)
        .where(
            SampleCheck.campaign_id == bindparam("campaign_id"),
            in_path_scope(path, SampleCheck.centre_id),
        )
        .options(joinedload(SampleCheck.centre))
        .order_by(SampleCheck.id.desc())
        .limit(fixed_limit(SAMPLE_CHECKS_SHOWN))
    )


@bp.route("/<int:campaign_id>")
@login_required
@roles_required(*READERS)
def detail(campaign_id: int):
    campaign = load_campaign(campaign_id)
    # The quotas in scope with their lists serve the progress roll-up and the list card, and
    # hold the user's own quota and its children's: so the page reads each table once.
    standing = queries.standing(campaign, current_user)
    rows, lists = standing.rows, standing.lists
    own_quota = next((r.quota for r in rows if r.centre.id == current_user.centre_id), None)
    children = []
    requests_in, my_requests = [], []
    if own_quota is not None:
        existing = {r.centre.id: r.quota for r in rows if r.quota.parent_id == own_quota.id}
        below = db.session.scalars(_CHILD_CENTRES, {"parent_id": current_user.centre_id}).all()
        children = [(c, existing.get(c.id)) for c in below]
        requests_in, my_requests = services.quota_requests_around(own_quota)
    can_split, _why = (
        _check(services.check_set_quota, own_quota, current_user)
        if own_quota is not None
        else (False, "")
    )
    can_request, _why2 = (
        _check(services.check_request_more, own_quota, current_user)
        if own_quota is not None
        else (False, "")
    )
    # the user's own list is one of the lists in scope (services.list_for reads the same row)
    own_list = next((c for c in lists if c.centre_id == current_user.centre_id), None)
    checks = db.session.scalars(
        _sample_checks(current_user.centre.path), {"campaign_id": campaign.id}
    ).all()
    can_sample, _why3 = _check(services.check_sample, campaign, current_user)
    can_screen, why_screen = (
        _check(screening.check_record_screening, campaign, current_user)
        if campaign.is_screening
        else (False, "")
    )
    screenings = []
    if campaign.is_screening:
        screenings = db.session.scalars(
            scoped(
                select(Screening).where(Screening.campaign_id == campaign.id),
                current_user,
                Screening.centre_id,
            )
            .order_by(Screening.id.desc())
            .limit(50)
        ).all()
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        rows=rows,
        own_quota=own_quota,
        children=children,
        can_split=can_split,
        can_request=can_request,
        requests_in=requests_in,
        my_requests=my_requests,
        own_list=own_list,
        lists=lists,
        checks=checks,
        can_sample=can_sample,
        can_screen=can_screen,
        why_screen=why_screen,
        screenings=screenings,
        show_referral=current_user.has_role(*screening.SCREENING_DETAIL_ROLES),
        funds=_funds(campaign),
        can_close=_check(services.check_close_campaign, campaign, current_user)[0],
        tab="overview",
    )


@bp.route("/<int:campaign_id>/close", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def close(campaign_id: int):
    campaign = load_campaign(campaign_id)
    target = url_for("campaigns.detail", campaign_id=campaign.id)
    perform(
        lambda: services.close_campaign(campaign, acting_user=current_user),
        done=_("The campaign has been closed."),
    )
    return redirect(target)


@bp.route("/<int:campaign_id>/quotas", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def set_quota(campaign_id: int):
    campaign = load_campaign(campaign_id)
    target = url_for("campaigns.detail", campaign_id=campaign.id)
    own = services.quota_of(campaign, current_user.centre)
    if own is None:
        abort(404)
    centre = db.session.get(Centre, forms.integer(request.form, "centre", default=0))
    if centre is None or centre.parent_id != current_user.centre_id:
        abort(404)
    perform(
        lambda: services.set_quota(
            own,
            centre,
            acting_user=current_user,
            households=forms.integer(request.form, "households", maximum=1_000_000),
            # a screening's quota is people, not money: its form sends no amount
            amount_fen=forms.money(request.form, "amount", required=not campaign.is_screening),
        ),
        done=_("The quota of %(centre)s has been set.", centre=centre.name),
    )
    return redirect(target)


@bp.route("/<int:campaign_id>/quota-requests", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR, Role.CASEWORKER)
def request_more(campaign_id: int):
    campaign = load_campaign(campaign_id)
    target = url_for("campaigns.detail", campaign_id=campaign.id)
    own = services.quota_of(campaign, current_user.centre)
    if own is None:
        abort(404)
    perform(
        lambda: services.request_more(
            own,
            acting_user=current_user,
            households=forms.integer(request.form, "households", minimum=1, maximum=1_000_000),
            amount_fen=forms.money(request.form, "amount", required=False),
            reason=forms.text(request.form, "reason"),
        ),
        done=_("The request has been sent to the parent centre."),
    )
    return redirect(target)


@bp.route("/quota-requests/<int:request_id>/<any(approve, refuse):action>", methods=["POST"])
@fresh_login_required
@roles_required(Role.SUPERVISOR)
def decide_request(request_id: int, action: str):
    req = db.session.get(QuotaRequest, request_id)
    if req is None or not req.quota.centre.is_within(current_user.centre):
        abort(404)
    target = url_for("campaigns.detail", campaign_id=req.quota.campaign_id)
    perform(
        lambda: services.decide_request(
            req,
            acting_user=current_user,
            approve=action == "approve",
            note=forms.text(request.form, "note"),
        ),
        done=_("The request has been decided."),
    )
    return redirect(target)


# ---------------------------------------------------------------------------- lists


@bp.route("/<int:campaign_id>/my-list", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def open_list(campaign_id: int):
    campaign = load_campaign(campaign_id)
    outcome = perform(
        lambda: services.list_for(campaign, current_user.centre, create_user=current_user)
    )
    if not outcome.ok:
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return redirect(url_for("campaigns.list_page", list_id=outcome.value.id))


@bp.route("/lists/<int:list_id>")
@login_required
@roles_required(*READERS)
def list_page(list_id: int):
    clist = load_list(list_id)
    campaign = clist.campaign
    show = request.args.get("show", "listed")
    status = {"listed": EntryStatus.LISTED, "candidates": EntryStatus.CANDIDATE}.get(
        show, EntryStatus.REMOVED
    )
    after = int_arg(request.args, "after") or 0
    entries = db.session.scalars(
        select(ListEntry)
        .where(ListEntry.list_id == clist.id, ListEntry.status == status, ListEntry.id > after)
        .options(
            selectinload(ListEntry.applicant),
            selectinload(ListEntry.case),
            # only whether the shown households were visited (ids): never their goods
            selectinload(ListEntry.visit).load_only(Visit.id, Visit.entry_id),
        )
        .order_by(ListEntry.id)
        .limit(100)
    ).all()
    counts = services.entry_counts(clist)
    quota = clist.quota
    used = services.quota_use(quota)
    checks = {
        "edit": _check(services.check_edit_list, clist, current_user),
        "submit": _check(services.check_submit_list, clist, current_user),
        "decide": _check(services.check_decide_list, clist, current_user),
        "publish": _check(services.check_publish_list, clist, current_user),
        "pay": _check(services.check_pay_list, clist, current_user),
    }
    funds = db.session.scalars(select(Fund).where(Fund.id.in_(campaign.fund_ids or []))).all()
    # the list's own counter (see services._bump), never a read of its visits
    goods_given = dict(clist.goods_items or {}) if clist.status == ListStatus.PUBLISHED else {}
    return render_template(
        "campaigns/list.html",
        clist=clist,
        campaign=campaign,
        entries=entries,
        show=show,
        counts=counts,
        quota=quota,
        used=used,
        checks=checks,
        funds=funds,
        approver=services.approving_centre(clist),
        goods_given=goods_given,
        can_print=_check(documents.load_frozen_list, current_user, clist.id)[0],
        next_after=entries[-1].id if len(entries) == 100 else None,
    )


def _list_action(list_id: int, fn, message: str, **kwargs):
    clist = load_list(list_id)
    target = url_for("campaigns.list_page", list_id=clist.id)
    perform(lambda: fn(clist, acting_user=current_user, **kwargs), done=message)
    return redirect(target)


@bp.route("/lists/<int:list_id>/draw", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def draw(list_id: int):
    from assist.campaigns import jobs

    clist = load_list(list_id)
    target = url_for("campaigns.list_page", list_id=clist.id, show="candidates")
    outcome = perform(
        lambda: jobs.queue_draw(clist, acting_user=current_user),
        done=_("Drawing the candidates in the background; the page shows them when done."),
        tone="info",
    )
    if outcome.ok:
        jobs.start_draw(clist.id)
    return redirect(target)


@bp.route("/lists/<int:list_id>/fill", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def fill(list_id: int):
    return _list_action(
        list_id, services.fill_from_candidates, _("Candidates have been listed up to the quota.")
    )


@bp.route("/lists/<int:list_id>/add", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def add(list_id: int):
    clist = load_list(list_id)
    target = url_for("campaigns.list_page", list_id=clist.id)
    file_no = forms.text(request.form, "file_no", 40)
    entry_id = forms.integer(request.form, "entry", default=0)
    applicant = None
    if entry_id:
        entry = db.session.get(ListEntry, entry_id)
        applicant = entry.applicant if entry and entry.list_id == clist.id else None
    elif file_no:
        applicant = db.session.scalars(
            scoped(
                select(Applicant).where(Applicant.file_no == file_no),
                current_user,
                Applicant.centre_id,
            )
        ).first()
    if applicant is None:
        flash(_("No file with this number in your scope."), "danger")
        return redirect(target)
    perform(
        lambda: services.add_entry(
            clist, applicant, acting_user=current_user, reason=forms.text(request.form, "reason")
        ),
        done=_("%(name)s is on the list.", name=applicant.name),
    )
    return redirect(target)


@bp.route("/entries/<int:entry_id>/remove", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def remove(entry_id: int):
    entry = load_entry(entry_id)
    target = url_for("campaigns.list_page", list_id=entry.list_id)
    perform(
        lambda: services.remove_entry(
            entry, acting_user=current_user, reason=forms.text(request.form, "reason")
        ),
        done=_("The household has been taken off the list."),
    )
    return redirect(target)


@bp.route("/lists/<int:list_id>/submit", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def submit(list_id: int):
    return _list_action(list_id, services.submit_list, _("The list has been submitted."))


@bp.route("/lists/<int:list_id>/approve", methods=["POST"])
@fresh_login_required
@roles_required(Role.SUPERVISOR)
def approve(list_id: int):
    return _list_action(list_id, services.approve_list, _("The list has been approved and frozen."))


@bp.route("/lists/<int:list_id>/return", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR)
def return_(list_id: int):
    return _list_action(
        list_id,
        services.return_list,
        _("The list has been returned."),
        reason=forms.text(request.form, "reason"),
    )


@bp.route("/lists/<int:list_id>/publish", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def publish(list_id: int):
    return _list_action(
        list_id, services.publish_list, _("The list is publicly posted; the notice has begun.")
    )


@bp.route("/lists/<int:list_id>/pay", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def pay(list_id: int):
    clist = load_list(list_id)
    fund = db.session.get(Fund, forms.integer(request.form, "fund", default=0))
    target = url_for("campaigns.list_page", list_id=clist.id)
    if fund is None:
        flash(_("Choose one of the campaign's funds."), "danger")
        return redirect(target)
    perform(
        lambda: services.pay_list(
            clist,
            acting_user=current_user,
            fund=fund,
            paid_on=forms.day(request.form, "paid_on"),
        ),
        done=lambda made: _(
            "Paid through batch(es) %(nos)s.", nos=", ".join(b.batch_no for b in made)
        ),
    )
    return redirect(target)


# ---------------------------------------------------------------------------- visits


@bp.route("/entries/<int:entry_id>/visit", methods=["GET", "POST"])
@login_required
@roles_required(*READERS)
def visit(entry_id: int):
    entry = load_entry(entry_id)
    errors: dict = {}
    if request.method == "POST":
        if not current_user.has_role(Role.CASEWORKER, Role.SUPERVISOR):
            abort(403)
        outcome = perform(
            lambda: services.record_visit(
                entry, acting_user=current_user, data=forms.visit_input(request.form)
            ),
            refused=lambda err: None,  # the page lists the errors beside its fields
            done=_("The visit has been recorded."),
        )
        if outcome.ok:
            return redirect(url_for("campaigns.visit", entry_id=entry.id))
        errors = outcome.error.fields or {"": outcome.error.message}
    can_visit, why = _check(services.check_visit, entry, current_user)
    photos = attachments_of("campaign_visit", entry.visit.id) if entry.visit else []
    return render_template(
        "campaigns/visit.html",
        entry=entry,
        campaign=entry.list.campaign,
        errors=errors,
        form=request.form,
        can_visit=can_visit and current_user.has_role(Role.CASEWORKER, Role.SUPERVISOR),
        why=why,
        photos=photos,
        can_photo=entry.visit is not None and VISIT_OWNER.can_change(current_user, entry.visit),
    ), 422 if errors else 200


@bp.route("/visits/<int:visit_id>/photos", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def add_photo(visit_id: int):
    visit_row = VISIT_OWNER.load(visit_id, current_user)
    target = url_for("campaigns.visit", entry_id=visit_row.entry_id)
    perform(
        lambda: store_attachment(
            request.files.get("file"),
            acting_user=current_user,
            owner_type="campaign_visit",
            owner=visit_row,
            kind=AttachmentKind.OTHER,
            images_only=True,
        ),
        done=_("The photo has been added."),
    )
    return redirect(target)


# ---------------------------------------------------------------------------- sample checks


@bp.route("/<int:campaign_id>/samples", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR, Role.AUDITOR)
def new_sample(campaign_id: int):
    campaign = load_campaign(campaign_id)
    target = url_for("campaigns.detail", campaign_id=campaign.id)
    outcome = perform(
        lambda: services.create_sample_check(
            campaign,
            acting_user=current_user,
            size=forms.integer(request.form, "size", required=False, minimum=1, maximum=100_000),
            seed=forms.integer(request.form, "seed", required=False, maximum=2**62),
        ),
        done=_("The sample has been drawn."),
    )
    if not outcome.ok:
        return redirect(target)
    return redirect(url_for("campaigns.sample", check_id=outcome.value.id))


def load_check(check_id) -> SampleCheck:
    check = db.session.get(SampleCheck, check_id)
    if check is None or not check.centre.is_within(current_user.centre):
        abort(404)
    return check


@bp.route("/samples/<int:check_id>")
@login_required
@roles_required(*READERS)
def sample(check_id: int):
    check = load_check(check_id)
    return render_template(
        "campaigns/sample.html",
        check=check,
        counts=services.sample_counts(check),
        results=[r for r in SampleResult if r != SampleResult.PENDING],
        can_record=current_user.has_role(Role.SUPERVISOR, Role.CASEWORKER, Role.AUDITOR),
    )


@bp.route("/sample-items/<int:item_id>", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR, Role.CASEWORKER, Role.AUDITOR)
def sample_result(item_id: int):
    item = db.session.get(SampleItem, item_id)
    if item is None:
        abort(404)
    load_check(item.check_id)
    target = url_for("campaigns.sample", check_id=item.check_id)

    def record() -> None:
        if request.form.get("outcome") is not None:
            services.close_followup(
                item, acting_user=current_user, outcome=forms.text(request.form, "outcome")
            )
        else:
            services.record_result(
                item,
                acting_user=current_user,
                result=forms.text(request.form, "result", 20),
                note=forms.text(request.form, "note"),
            )

    perform(record, done=_("The result has been recorded."))
    return redirect(target)


# ---------------------------------------------------------------------------- screening


@bp.route("/<int:campaign_id>/screenings", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def add_screening(campaign_id: int):
    campaign = load_campaign(campaign_id)
    target = url_for("campaigns.detail", campaign_id=campaign.id)
    perform(
        lambda: screening.record_screening(
            campaign,
            acting_user=current_user,
            name=forms.text(request.form, "person_name", 50),
            id_number=forms.text(request.form, "person_id", 18),
            employer=forms.text(request.form, "employer", 120),
            screened_on=forms.day(request.form, "screened_on"),
            place=forms.text(request.form, "place", 120),
            has_referral=forms.flag(request.form, "has_referral"),
        ),
        done=_("The screening has been recorded."),
    )
    return redirect(target)


@bp.route("/screenings/<int:screening_id>")
@login_required
@roles_required(*screening.SCREENING_DETAIL_ROLES)
def screening_detail(screening_id: int):
    """One screening with the referral: health information, for the roles that need it."""
    from assist.audit.services import record

    row = db.session.get(Screening, screening_id)
    if row is None or not row.centre.is_within(current_user.centre):
        abort(404)
    return audited(
        lambda: record(
            "campaign.screening_viewed", acting_user=current_user, obj=row, centre=row.centre
        ),
        lambda _row: render_template("campaigns/screening.html", s=row),
    )
