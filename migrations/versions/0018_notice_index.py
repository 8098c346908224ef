"""notice_index: files on public notice are found by the notice's start date

Revision ID: notice_index
Revises: entry_counts
Create Date: 2026-12-01 20:15:00

The supervisor's inbox counts the files whose public notice has ended (status public_notice,
started on or before today minus the centre's notice days). With an index on status alone it
read every file on notice: 66,000 rows and 156 ms at 1,000,000 files in web_bench's data, where
the landing page took 244 ms against 66 ms at 100,000. A composite index on (status,
notice_started_on) reads only the ended ones. The landing page's yearly-review cards (active
files with a review due in a date range) get the same kind of index on (status, review_due_on):
they combined a bitmap of every active file (400,000 at 1,000,000 files) with the date range.
"""

from alembic import op


revision = "notice_index"
down_revision = "entry_counts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_applicants_status_notice", "applicants", ["status", "notice_started_on"])
    op.create_index("ix_applicants_status_review", "applicants", ["status", "review_due_on"])


def downgrade():
    op.drop_index("ix_applicants_status_review", table_name="applicants")
    op.drop_index("ix_applicants_status_notice", table_name="applicants")
