"""Pairing lists: the register, overdue pairs, files without a helper, escalated pairs."""

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from assist.applicants.models import Applicant, FileStatus
from assist.core.scoping import in_scope
from assist.pairings.models import Pair


def active_pairs(user):
    return (
        select(Pair)
        .where(Pair.ended_on.is_(None), in_scope(user, Pair.centre_id))
        .options(selectinload(Pair.applicant), selectinload(Pair.centre))
    )


def overdue_pairs(user, today: date):
    return active_pairs(user).where(Pair.next_due_on < today).order_by(Pair.next_due_on, Pair.id)


def escalated_pairs(user):
    """Pairs raised to the user's centre (or below it) for attention."""
    return (
        select(Pair)
        .where(
            Pair.ended_on.is_(None),
            Pair.escalated_to_id.is_not(None),
            in_scope(user, Pair.escalated_to_id),
        )
        .options(selectinload(Pair.applicant), selectinload(Pair.centre))
        .order_by(Pair.escalated_on, Pair.id)
    )


def files_without_helper(user):
    has_pair = exists().where(Pair.applicant_id == Applicant.id, Pair.ended_on.is_(None))
    return (
        select(Applicant)
        .where(
            Applicant.status == FileStatus.ACTIVE, ~has_pair, in_scope(user, Applicant.centre_id)
        )
        .order_by(Applicant.id)
    )
