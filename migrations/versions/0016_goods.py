"""goods: campaign lists keep the goods given per item, so the list page reads no visits

Revision ID: goods
Revises: mutual_calendar
Create Date: 2026-12-01 16:25:00

The list page showed the goods given per item by reading the goods of every visit on the list.
The list now keeps them ({name: quantity}) with its other counters, moved by the services in
the same transaction as the visit. Existing lists are added up once here.
"""

from alembic import op
import sqlalchemy as sa


revision = "goods"
down_revision = "mutual_calendar"
branch_labels = None
depends_on = None

lists = sa.table("campaign_lists", sa.column("id", sa.Integer), sa.column("goods_items", sa.JSON))
entries = sa.table("campaign_entries", sa.column("id", sa.Integer), sa.column("list_id", sa.Integer))
visits = sa.table(
    "campaign_visits",
    sa.column("id", sa.Integer),
    sa.column("entry_id", sa.Integer),
    sa.column("goods", sa.JSON),
)


def upgrade():
    with op.batch_alter_table("campaign_lists", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("goods_items", sa.JSON(), nullable=False, server_default="{}")
        )
    backfill(op.get_bind())


def backfill(conn) -> None:
    """Set every list's goods per item from its visits (also run by the tests)."""
    totals: dict[int, dict[str, int]] = {}
    rows = conn.execute(
        sa.select(entries.c.list_id, visits.c.goods)
        .select_from(visits.join(entries, entries.c.id == visits.c.entry_id))
        .order_by(visits.c.id)
    )
    for list_id, goods in rows:
        items = totals.setdefault(list_id, {})
        for g in goods or []:
            items[g["name"]] = items.get(g["name"], 0) + int(g["quantity"])
    for list_id, items in totals.items():
        conn.execute(
            lists.update()
            .where(lists.c.id == list_id)
            .values(goods_items={k: v for k, v in items.items() if v})
        )


def downgrade():
    with op.batch_alter_table("campaign_lists", schema=None) as batch_op:
        batch_op.drop_column("goods_items")
