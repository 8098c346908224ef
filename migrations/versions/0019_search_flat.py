"""search_flat: the name index answers from its tree alone, with no pending list to scan

Revision ID: search_flat
Revises: notice_index
Create Date: 2026-12-01 22:20:00

The GIN index over the names' characters and pairs (`ix_applicants_name_grams`, migration
`scale`) was built with PostgreSQL's default `fastupdate = on`: new and updated rows go to an
unsorted pending list that is merged into the tree only by VACUUM or when it passes
`gin_pending_list_limit` (4 MB). Every search reads that whole list, matching or not: after
seed-bulk 199 pages (16,180 entries) at 100,000 files, where a search for a name nobody has
read 204 buffers and took 7-16 ms for no row. With `fastupdate = off` each insert or update
puts its few grams straight into the tree and a search reads only the pages of its grams.
The upgrade merges the list that is there now.
"""

from alembic import op


revision = "search_flat"
down_revision = "notice_index"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_applicants_name_grams SET (fastupdate = off)")
        op.execute("SELECT gin_clean_pending_list('ix_applicants_name_grams'::regclass)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_applicants_name_grams RESET (fastupdate)")
