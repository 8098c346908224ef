"""Women workers' health screening (女职工健康行): eligibility, the repeat rule and quotas.

Only that a screening happened, when, where, and whether a referral followed is recorded;
the referral is health information, shown only to SCREENING_DETAIL_ROLES and never on lists
or exports.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from assist.audit.services import record
from assist.auth.models import Role, User
from assist.campaigns.models import Campaign, CampaignKind, Screening
from assist.campaigns.services import _check_open, _fail, _text, lock_quota, quota_of, quota_use
from assist.core.crypto import keyed_hash
from assist.core.errors import DomainError, PermissionDenied
from assist.core.resident_id import parse_resident_id
from assist.core.timeutil import local_today
from assist.extensions import db

#: Who sees whether a referral followed: the caseworkers who arrange it and their supervisors.
SCREENING_DETAIL_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def last_free_screening(id_hash: str) -> Screening | None:
    return db.session.scalars(
        select(Screening)
        .where(Screening.person_id_hash == id_hash)
        .order_by(Screening.screened_on.desc())
        .limit(1)
    ).first()


def check_repeat(campaign: Campaign, id_hash: str, screened_on: date) -> None:
    """No free repeat within `repeat_years`: the earliest free day is the same date N years on."""
    last = last_free_screening(id_hash)
    if last is None or campaign.repeat_years == 0:
        return
    if last.screened_on > years_before(screened_on, campaign.repeat_years):
        earliest = last.screened_on.replace(year=last.screened_on.year + campaign.repeat_years)
        message = _(
            "She had a free screening on %(last)s; the next free one is from %(next)s.",
            last=last.screened_on.isoformat(),
            next=earliest.isoformat(),
        )
        raise DomainError(message, fields={"person_id": message})


def check_record_screening(campaign: Campaign, user: User) -> None:
    if not user.has_role(Role.CASEWORKER):
        raise PermissionDenied(_("Only caseworkers record screenings."))
    if campaign.kind != CampaignKind.SCREENING:
        raise DomainError(_("This campaign is not a screening campaign."))
    _check_open(campaign)
    if quota_of(campaign, user.centre) is None:
        raise DomainError(_("Your centre has no quota in this campaign."))


def record_screening(
    campaign: Campaign,
    *,
    acting_user: User,
    name: str,
    id_number: str,
    employer: str,
    screened_on: date | None,
    place: str,
    has_referral: bool,
) -> Screening:
    """Record one free screening, within the age range, the repeat rule and the quota."""
    check_record_screening(campaign, acting_user)
    name = _text(name, "person_name", _("Enter her name."), max_len=50)
    info = parse_resident_id(id_number, field="person_id")
    if info.gender != "F":
        _fail("person_id", _("The screening is for women workers; this ID is a man's."))
    if screened_on is None or screened_on > local_today():
        _fail("screened_on", _("Enter the day of the screening (not in the future)."))
    age = age_on(info.birth_date, screened_on)
    if not campaign.age_min <= age <= campaign.age_max:
        _fail(
            "person_id",
            _(
                "She is %(age)d; the screening is for ages %(min)d to %(max)d.",
                age=age,
                min=campaign.age_min,
                max=campaign.age_max,
            ),
        )
    place = _text(place, "place", _("Enter where the screening took place."), max_len=120)
    employer = _text(employer, "employer", "", required=False, max_len=120)
    id_hash = keyed_hash(info.number)
    quota = lock_quota(quota_of(campaign, acting_user.centre).id)
    check_repeat(campaign, id_hash, screened_on)
    if quota_use(quota).households + 1 > quota.households:
        message = _(
            "The quota of %(q)d screening(s) is used up: ask the parent centre for more.",
            q=quota.households,
        )
        raise DomainError(message, fields={"person_id": message})
    screening = Screening(
        campaign_id=campaign.id,
        centre_id=acting_user.centre_id,
        person_name=name,
        person_id_hash=id_hash,
        person_id_last4=info.number[-4:],
        birth_date=info.birth_date,
        employer=employer,
        screened_on=screened_on,
        place=place,
        has_referral=bool(has_referral),
        recorded_by_id=acting_user.id,
    )
    db.session.add(screening)
    db.session.flush()
    # The audit row names the record, not the referral: health data stays out of the log.
    record(
        "campaign.screening_recorded",
        acting_user=acting_user,
        obj=screening,
        centre=acting_user.centre,
        after={"campaign": campaign.id, "screened_on": screened_on.isoformat()},
    )
    return screening
