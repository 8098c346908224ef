"""harden_print: batch print outputs record their masking level and when they expired

Revision ID: harden_print
Revises: scale
Create Date: 2026-12-01 12:00:00

Existing jobs take the masking level their documents were issued with (full when any of them
showed full IDs), so downloading an old output needs the right it was printed with.
"""

from alembic import op
import sqlalchemy as sa


revision = "harden_print"
down_revision = "scale"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shows_full_ids", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("expired_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE print_jobs SET shows_full_ids = EXISTS ("
        "SELECT 1 FROM issued_documents d"
        " WHERE d.print_job_id = print_jobs.id AND d.shows_full_ids)"
    )


def downgrade():
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.drop_column("expired_at")
        batch_op.drop_column("shows_full_ids")
