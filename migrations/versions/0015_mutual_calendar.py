"""mutual_calendar: the working-day calendar (public holidays and adjusted working days)

Revision ID: mutual_calendar
Revises: speed
Create Date: 2026-12-01 15:35:00

The claim payment time limit counts working days; this table holds the days the
Monday–Friday rule gets wrong (holidays on weekdays, weekend days worked in exchange).
"""

from alembic import op
import sqlalchemy as sa


revision = "mutual_calendar"
down_revision = "speed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "working_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_working", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_working_calendar_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_calendar")),
        sa.UniqueConstraint("day", name=op.f("uq_working_calendar_day")),
    )


def downgrade():
    op.drop_table("working_calendar")
