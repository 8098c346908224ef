"""review_cover: the yearly-review counts and the files list's migrant count read an index alone

Revision ID: review_cover
Revises: search_flat
Create Date: 2026-12-02 01:20:00

The landing page counts, in the user's scope, the active files whose yearly review is overdue
and those due within 30 days (at most 2,001 each). `ix_applicants_status_review` found the
files by status and due date but the scope check needed each row's centre from the table:
2,001 heap reads per count, about 3 ms each at 100,000 files. With the centre carried in the
index (PostgreSQL's INCLUDE) the count is an index-only scan: 0.8 ms. SQLite keeps the plain
index.

The files list counts the migrant workers among the files in scope (at most 2,001) when
there are more files than it counts: that read the table until it had met 2,001 migrant
workers (7,883 rows, 3.8 ms at 100,000 files). A partial index of the migrant workers'
centres answers it from the index (both databases).
"""

import sqlalchemy as sa
from alembic import op


revision = "review_cover"
down_revision = "search_flat"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_applicants_migrant_centre",
        "applicants",
        ["centre_id"],
        postgresql_where=sa.text("is_migrant_worker"),
        sqlite_where=sa.text("is_migrant_worker"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_applicants_status_review", table_name="applicants")
        op.create_index(
            "ix_applicants_status_review",
            "applicants",
            ["status", "review_due_on"],
            postgresql_include=["centre_id"],
        )


def downgrade():
    op.drop_index("ix_applicants_migrant_centre", table_name="applicants")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_applicants_status_review", table_name="applicants")
        op.create_index("ix_applicants_status_review", "applicants", ["status", "review_due_on"])
