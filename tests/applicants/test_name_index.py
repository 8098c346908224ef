"""Name search: the bigram index on PostgreSQL finds exactly what LIKE finds."""

from sqlalchemy import select, text

from assist.applicants.models import Applicant
from assist.applicants.queries import like_escape, name_condition, name_grams
from assist.extensions import db
from tests.factories import make_applicant

NAMES = [
    "张建国",
    "李建国",
    "建国",
    "王国建",
    "赵建",
    "欧阳建国华",
    "Li Jianguo",
    "建_国",
    "陈100%",
]
QUERIES = [
    "建国",
    "建",
    "国建",
    "张建国",
    "欧阳",
    "建国华",
    "无此人",
    "Jian",
    "jian",
    "_",
    "%",
    "100%",
]


def _names(condition) -> list[str]:
    return sorted(db.session.scalars(select(Applicant.name).where(condition)))


def test_grams_of_a_query():
    assert name_grams("建") == ["建"]
    assert name_grams("张建国") == ["建国", "张建"]


def test_name_search_finds_what_like_finds(network):
    for name in NAMES:
        make_applicant(network["SZ-GS-PJ"], name=name)
    db.session.commit()
    for q in QUERIES:
        like = Applicant.name.like("%" + like_escape(q) + "%", escape="\\")
        assert _names(name_condition(q)) == _names(like), q
    assert _names(name_condition("建国")) == ["建国", "张建国", "李建国", "欧阳建国华"]


def test_postgresql_answers_from_the_gram_index(network):
    if db.engine.dialect.name != "postgresql":
        # SQLite keeps the plain LIKE: nothing else to check there.
        assert "assist_name_grams" not in str(name_condition("建国"))
        return
    make_applicant(network["SZ-GS-PJ"], name="张建国")
    db.session.commit()
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    stmt = select(Applicant.id).where(name_condition("建国"))
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_applicants_name_grams" in plan, plan
    db.session.rollback()


def test_postgresql_name_index_keeps_no_pending_list(network):
    """A new file's grams go straight into the index's tree (migration `search_flat`): with
    GIN's pending list every search read the whole list, 444 pages after seeding 1,000,000."""
    if db.engine.dialect.name != "postgresql":
        return  # SQLite has no such index
    options = db.session.scalar(
        text("SELECT reloptions FROM pg_class WHERE relname = 'ix_applicants_name_grams'")
    )
    assert "fastupdate=off" in (options or []), options
