"""speed: campaign lists keep their own counters, so progress does not count the entries

Revision ID: speed
Revises: harden_print
Create Date: 2026-12-01 12:50:00

Each list holds how many households are listed (and how many are migrant workers), and how many
were visited with the cash and goods given. The services that change entries and visits keep
them in the same transaction; the progress page reads one row per list. Existing lists are
counted once here.
"""

from alembic import op
import sqlalchemy as sa


revision = "speed"
down_revision = "harden_print"
branch_labels = None
depends_on = None

COUNTERS = (
    ("listed_count", sa.Integer()),
    ("listed_migrant", sa.Integer()),
    ("visited_count", sa.Integer()),
    ("visited_migrant", sa.Integer()),
    ("given_cash_fen", sa.BigInteger()),
    ("given_goods_fen", sa.BigInteger()),
)

BACKFILL = """
UPDATE campaign_lists SET
  listed_count = (SELECT count(*) FROM campaign_entries e
                  WHERE e.list_id = campaign_lists.id AND e.status = 'listed'),
  listed_migrant = (SELECT count(*) FROM campaign_entries e
                    WHERE e.list_id = campaign_lists.id AND e.status = 'listed' AND e.is_migrant),
  visited_count = (SELECT count(*) FROM campaign_visits v
                   JOIN campaign_entries e ON e.id = v.entry_id
                   WHERE e.list_id = campaign_lists.id),
  visited_migrant = (SELECT count(*) FROM campaign_visits v
                     JOIN campaign_entries e ON e.id = v.entry_id
                     WHERE e.list_id = campaign_lists.id AND e.is_migrant),
  given_cash_fen = (SELECT coalesce(sum(v.cash_fen), 0) FROM campaign_visits v
                    JOIN campaign_entries e ON e.id = v.entry_id
                    WHERE e.list_id = campaign_lists.id),
  given_goods_fen = (SELECT coalesce(sum(v.goods_value_fen), 0) FROM campaign_visits v
                     JOIN campaign_entries e ON e.id = v.entry_id
                     WHERE e.list_id = campaign_lists.id)
"""


def upgrade():
    with op.batch_alter_table("campaign_lists", schema=None) as batch_op:
        for name, type_ in COUNTERS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default="0"))
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table("campaign_lists", schema=None) as batch_op:
        for name, _type in reversed(COUNTERS):
            batch_op.drop_column(name)
