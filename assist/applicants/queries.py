"""Finding files: search, filters, sorting and bounded pagination, all within the user's scope.

A page costs a constant number of queries: one bounded count and one page query that loads
each file with its centre. Counting stops at COUNT_CAP, so a page is as cheap at 100,000 files
as at 100. The list pages by keyset (`?after=<id>` / `?before=<id>`: the file the page starts
after, in the chosen order, with its id as the tiebreak), so a deep page reads only its own
rows. A bare `?page=N` is no position on the web list (an old bookmark starts again at the
first page, `FileQuery.is_bare_page`), nor in the JSON API (refused there): nothing pages by
OFFSET. MAX_PAGE only bounds the page number a link shows.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, Text, and_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import joinedload

from assist.applicants.models import Applicant, Category, Cause, FileStatus, ResidentId
from assist.applicants.services import REVIEW_WARNING_DAYS
from assist.centres.scoping import in_scope, in_subtree, scoped
from assist.core.crypto import keyed_hash
from assist.core.forms import int_arg, text_arg
from assist.core.inputs import id_or_none
from assist.core.pagination import BoundedCount, fixed_limit
from assist.core.pagination import bounded_count as core_bounded_count
from assist.core.timeutil import local_today
from assist.extensions import db

COUNT_CAP = 2_000
PER_PAGE = 50
MAX_PAGE = 1_000

FULL_ID_RE = re.compile(r"^(\d{17}[\dX]|\d{15})$")
LAST4_RE = re.compile(r"^\d{3}[\dX]$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
DIGITS_RE = re.compile(r"^\d{5,12}$")
FILE_NO_RE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d{4}(-\d{0,5})?$|^[A-Z]+(-[A-Z0-9]+)+-?$")

SORTS = {
    "new": (Applicant.id, "desc"),
    "file_no": (Applicant.file_no, "asc"),
    "name": (Applicant.name, "asc"),
    "review_due": (Applicant.review_due_on, "asc"),
}


def is_full_id(q: str) -> bool:
    return bool(FULL_ID_RE.match(re.sub(r"\s", "", q or "").upper()))


@dataclass
class FileQuery:
    """The search box, the filters and the order, as typed (strings) or parsed."""

    q: str = ""
    #: Keyed hash of a full ID searched for; the ID itself never travels in a URL.
    id_hash: str = ""
    centre_id: int | None = None
    category: str = ""
    status: str = ""
    cause: str = ""
    migrant: bool = False
    woman: bool = False
    overdue: bool = False
    due: bool = False
    never_helped: bool = False
    sort: str = "new"
    page: int = 1
    per_page: int = PER_PAGE
    #: Keyset paging: the page holds the files after (or before) this file in the order.
    after: int | None = None
    before: int | None = None

    @classmethod
    def from_args(cls, args) -> "FileQuery":
        """Build from request arguments (query string or JSON), ignoring what does not parse."""

        def flag(name):
            return str(args.get(name, "")).lower() in ("1", "true", "on", "yes")

        def integer(name, default=None):
            try:
                return int(args.get(name))
            except (TypeError, ValueError):
                return default

        status = str(args.get("status") or "")
        category = str(args.get("category") or "")
        sort = str(args.get("sort") or "new")
        cause = str(args.get("cause") or "")
        return cls(
            q=text_arg(args, "q", max_length=60),
            id_hash=text_arg(args, "idh", max_length=64),
            centre_id=int_arg(args, "centre"),
            category=category if category in Category.__members__.values() else "",
            status=status if status in FileStatus.__members__.values() else "",
            cause=cause if cause in Cause.__members__.values() else "",
            migrant=flag("migrant"),
            woman=flag("woman"),
            overdue=flag("overdue"),
            due=flag("due"),
            never_helped=flag("never_helped"),
            sort=sort if sort.lstrip("-") in SORTS else "new",
            page=min(max(integer("page", 1) or 1, 1), MAX_PAGE),
            per_page=min(max(integer("per_page", PER_PAGE) or PER_PAGE, 1), 200),
            after=id_or_none(str(args.get("after") or "")),
            before=id_or_none(str(args.get("before") or "")),
        )

    @property
    def is_bare_page(self) -> bool:
        """A page number without the key that positions it (an old `?page=N` bookmark)."""
        return self.page > 1 and self.after is None and self.before is None

    def args(self, **changes) -> dict:
        """The query-string form (for links), without the free text if it is a full ID."""
        out = {
            "q": "" if is_full_id(self.q) else self.q,
            "idh": self.id_hash,
            "centre": self.centre_id or "",
            "category": self.category,
            "status": self.status,
            "cause": self.cause,
            "migrant": "1" if self.migrant else "",
            "woman": "1" if self.woman else "",
            "overdue": "1" if self.overdue else "",
            "due": "1" if self.due else "",
            "never_helped": "1" if self.never_helped else "",
            "sort": "" if self.sort == "new" else self.sort,
            "page": self.page if self.page > 1 else "",
            "per_page": "" if self.per_page == PER_PAGE else self.per_page,
            "after": self.after or "",
            "before": self.before or "",
        }
        if "page" in changes:  # another page, order or filter: the keys are the caller's
            out.update(after="", before="")
        out.update(changes)
        return {k: v for k, v in out.items() if v not in ("", None)}


@dataclass
class FilePage:
    items: list
    page: int
    per_page: int
    total: int
    #: True when there are more than COUNT_CAP matches (the total shows as "more than 2,000").
    is_capped: bool
    query: FileQuery = field(default_factory=FileQuery)
    #: Of the matches, how many are migrant workers (农民工), bounded like the total.
    migrants: int = 0
    migrants_capped: bool = False
    #: Query arguments of the previous and next pages (None when there is none).
    prev_args: dict | None = None
    next_args: dict | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.prev_args is not None

    @property
    def has_next(self) -> bool:
        """Beyond a capped count the next page may still hold files: the user goes on."""
        return self.next_args is not None


# --- "never helped": the aid modules say what counts as help -------------------------------

#: Functions returning a SELECT of applicant ids that have received aid (paid or approved).
AID_SOURCES: list[Callable[[], Select]] = []


def register_aid_source(source: Callable[[], Select]) -> None:
    """Let a module that grants aid (cases, visits…) say which households it has helped."""
    if source not in AID_SOURCES:
        AID_SOURCES.append(source)


def helped_condition():
    """A SQL condition true for files that some registered aid source has helped."""
    if not AID_SOURCES:
        return literal(False)
    return or_(*(Applicant.id.in_(source()) for source in AID_SOURCES))


def households_never_helped(user) -> Select:
    """Active files in the user's scope that no aid source has helped yet.

    The aid cases register theirs (assist.cases.queries.helped_households).
    """
    stmt = select(Applicant).where(Applicant.status == FileStatus.ACTIVE, ~helped_condition())
    return scoped(stmt, user, Applicant.centre_id)


# --- search --------------------------------------------------------------------------------


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_condition(q: str):
    """Interpret the search box: full ID, last 4 of an ID, phone, file number, or a name."""
    raw = re.sub(r"\s", "", q).upper()
    if FULL_ID_RE.match(raw):
        return id_hash_condition(keyed_hash(raw))
    if LAST4_RE.match(raw):  # the head's last four; a member is found by the full ID
        return Applicant.id_last4 == raw
    if PHONE_RE.match(raw):
        digits = raw.replace("-", "")
        landline = f"{digits[:4]}-{digits[4:]}" if digits.startswith("0") else digits
        alt = f"{digits[:3]}-{digits[3:]}" if digits.startswith("0") else digits
        return Applicant.phone.in_({raw, digits, landline, alt})
    if DIGITS_RE.match(raw):
        return Applicant.phone.like(f"%{raw}%")
    if FILE_NO_RE.match(raw):  # a prefix as a range, so the unique index on file_no serves it
        return and_(Applicant.file_no >= raw, Applicant.file_no < raw + "\uffff")
    return name_condition(q.strip())


def name_grams(text: str) -> list[str]:
    """The characters (one-character text) or adjacent pairs every matching name contains."""
    if len(text) == 1:
        return [text]
    return sorted({text[i : i + 2] for i in range(len(text) - 1)})


def name_condition(text: str):
    """Names containing `text`. On PostgreSQL the GIN index over each name's characters and
    character pairs (`assist_name_grams`, migration `scale`) finds the candidates, so a
    search does not read every name; LIKE keeps the exact meaning (and is all SQLite uses).

    A text of one or two characters is itself a gram: a name holds it exactly when its grams
    do, so the index's answer needs no LIKE. Without it PostgreSQL also estimates the matches
    from the grams' statistics (the LIKE made it expect one row at 1,000,000 files, where
    建国 has 975, and join the centres row by row)."""
    like = Applicant.name.like("%" + like_escape(text) + "%", escape="\\")
    if not text or db.session.get_bind().dialect.name != "postgresql":
        return like
    grams = func.assist_name_grams(Applicant.name, type_=ARRAY(Text))
    # The grams are written into the statement, not bound: a prepared statement's generic plan
    # (the connections keep them, see core/database.py) cannot see how rare a name's grams are,
    # and at 1,000,000 files it read the files in id order instead of asking the index (建国:
    # p95 876 ms). With the grams in its text each search is planned for its own grams.
    indexed = grams.contains(literal(name_grams(text), ARRAY(Text), literal_execute=True))
    return indexed if len(text) <= 2 else and_(indexed, like)


def id_hash_condition(id_hash: str):
    """Files holding this ID, as head or as a household member."""
    return Applicant.id.in_(select(ResidentId.applicant_id).where(ResidentId.id_hash == id_hash))


def filtered(user, query: FileQuery, today: date | None = None) -> Select:
    """The scoped SELECT of files matching the query, unordered."""
    today = today or local_today()
    stmt = scoped(select(Applicant), user, Applicant.centre_id)
    if query.id_hash:
        stmt = stmt.where(id_hash_condition(query.id_hash))
    if query.q:
        stmt = stmt.where(text_condition(query.q))
    if query.centre_id:
        from assist.centres.models import Centre

        centre = db.session.get(Centre, query.centre_id)
        if centre is not None and centre.is_within(user.centre):
            stmt = stmt.where(in_subtree(centre, Applicant.centre_id))
    if query.category:
        stmt = stmt.where(Applicant.category == query.category)
    if query.status:
        stmt = stmt.where(Applicant.status == query.status)
    if query.cause:
        stmt = stmt.where(Applicant.main_cause == query.cause)
    if query.migrant:
        stmt = stmt.where(Applicant.is_migrant_worker)  # bare: the partial index's predicate
    if query.woman:
        stmt = stmt.where(Applicant.gender == "F")
    if query.overdue:
        stmt = stmt.where(Applicant.status == FileStatus.ACTIVE, Applicant.review_due_on < today)
    if query.due:
        stmt = stmt.where(
            Applicant.status == FileStatus.ACTIVE,
            Applicant.review_due_on <= today + timedelta(days=REVIEW_WARNING_DAYS),
        )
    if query.never_helped:
        stmt = stmt.where(Applicant.status == FileStatus.ACTIVE, ~helped_condition())
    return stmt


def ordered(stmt: Select, sort: str) -> Select:
    descending = sort.startswith("-")
    column, natural = SORTS[sort.lstrip("-")]
    direction = "desc" if (natural == "desc") != descending else "asc"
    key = column.desc() if direction == "desc" else column.asc()
    tiebreak = Applicant.id.desc() if direction == "desc" else Applicant.id.asc()
    if column is Applicant.review_due_on:
        key = key.nulls_last()
    if column is Applicant.id:
        return stmt.order_by(key)
    return stmt.order_by(key, tiebreak)


def bounded_count(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count matches up to `cap` + 1: cheap however many files exist."""
    inner = (
        stmt.order_by(None).with_only_columns(Applicant.id).limit(fixed_limit(cap + 1)).subquery()
    )
    n = db.session.scalar(select(func.count()).select_from(inner)) or 0
    return min(n, cap), n > cap


def bounded_counts_with_migrants(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool, int, bool]:
    """The bounded count of matches and, of them, of migrant workers.

    One statement reads the matches once and counts both; only when the matches pass `cap`
    (the first cap + 1 read are not all of them) are the migrants counted on their own.
    """
    inner = (
        stmt.order_by(None)
        .with_only_columns(Applicant.id, Applicant.is_migrant_worker)
        .limit(fixed_limit(cap + 1))
        .subquery()
    )
    n, migrants = db.session.execute(
        select(func.count(), func.count().filter(inner.c.is_migrant_worker.is_(True))).select_from(
            inner
        )
    ).one()
    if n > cap:
        return cap, True, *bounded_count(stmt.where(Applicant.is_migrant_worker), cap)
    return n, False, migrants, False


def _comes_after(user, sort: str, boundary: int, *, reverse: bool = False):
    """The files after file `boundary` in the order `sort` (before it, with `reverse`).

    The order is (column, id) with id as the tiebreak in the same direction; review dates
    put the files without one last. The boundary's column value is read in the same
    statement, so the page is one indexed range however deep it is.
    """
    column, natural = SORTS[sort.lstrip("-")]
    descending = (natural == "desc") != sort.startswith("-")
    if reverse:
        descending = not descending

    def beyond(a, b):
        return a < b if descending else a > b

    if column is Applicant.id:
        return beyond(Applicant.id, boundary)
    # Only a file in scope positions a page: a key outside it gives an empty page, not its place.
    value = (
        select(column)
        .where(Applicant.id == boundary, in_scope(user, Applicant.centre_id))
        .scalar_subquery()
    )
    base = or_(beyond(column, value), and_(column == value, beyond(Applicant.id, boundary)))
    if column is not Applicant.review_due_on:
        return base
    # Nulls last in the page order; so first when walking backwards.
    same_null = and_(column.is_(None), beyond(Applicant.id, boundary))
    boundary_is_null = value.is_(None)
    if reverse:  # before a dated file: the dated ones before it; before an undated one: all dated
        return or_(
            and_(~boundary_is_null, base),
            and_(boundary_is_null, or_(same_null, column.is_not(None))),
        )
    return or_(
        and_(~boundary_is_null, or_(base, column.is_(None))), and_(boundary_is_null, same_null)
    )


def _reverse_order(stmt: Select, sort: str) -> Select:
    column, natural = SORTS[sort.lstrip("-")]
    descending = (natural == "desc") != sort.startswith("-")
    key = column.asc() if descending else column.desc()
    tiebreak = Applicant.id.asc() if descending else Applicant.id.desc()
    if column is Applicant.review_due_on:
        key = key.nulls_first()
    if column is Applicant.id:
        return stmt.order_by(key)
    return stmt.order_by(key, tiebreak)


def search(user, query: FileQuery, today: date | None = None) -> FilePage:
    """Run a query for one page: a bounded count (with the migrant workers among the matches)
    and one page query with the centres."""
    stmt = filtered(user, query, today)
    if query.migrant:
        total, capped = bounded_count(stmt, COUNT_CAP)
        migrants, migrants_capped = total, capped
    else:
        total, capped, migrants, migrants_capped = bounded_counts_with_migrants(stmt, COUNT_CAP)
    size = query.per_page
    if query.before is not None:  # walking back: the rows before the key, read in reverse
        rows = list(
            db.session.scalars(
                _reverse_order(
                    stmt.where(_comes_after(user, query.sort, query.before, reverse=True)),
                    query.sort,
                )
                .options(joinedload(Applicant.centre))
                .limit(fixed_limit(size + 1))
            )
        )
        more_before, more_after = len(rows) > size, True
        items = list(reversed(rows[:size]))
        page = max(query.page, 2) if more_before else 1
    else:
        page_stmt = (
            ordered(stmt, query.sort)
            .options(joinedload(Applicant.centre))
            .limit(fixed_limit(size + 1))
        )
        if query.after is not None:
            page_stmt = page_stmt.where(_comes_after(user, query.sort, query.after))
            page = max(query.page, 2)
        else:  # no key: the first page (a bare ?page=N was sent back to it by the view)
            page = 1
        rows = list(db.session.scalars(page_stmt))
        more_after, more_before = len(rows) > size, page > 1
        items = rows[:size]
    prev_args = next_args = None
    if more_before:
        prev_args = (
            query.args(page="")
            if page <= 2
            else query.args(page=page - 1, before=items[0].id if items else "")
        )
    if more_after and items:
        next_args = query.args(page=page + 1, after=items[-1].id)
    return FilePage(
        items,
        page,
        size,
        total,
        capped,
        query,
        migrants,
        migrants_capped,
        prev_args=prev_args,
        next_args=next_args,
    )


# --- figures for the landing page ------------------------------------------------------------


def count(user, *conditions) -> BoundedCount:
    """Files in scope matching `conditions`, counted up to COUNT_CAP (shown as "2,000+")."""
    stmt = select(Applicant.id).where(
        in_scope(user, Applicant.centre_id), and_(*conditions) if conditions else literal(True)
    )
    return BoundedCount(*core_bounded_count(stmt))
