"""scale: background jobs, stored ledger checks, ledger totals on balances, name bigram index

Revision ID: scale
Revises: mutual
Create Date: 2026-12-01 08:40:00

On PostgreSQL, `assist_name_grams(name)` gives every character and every pair of adjacent
characters of a name; a GIN index over it serves `name LIKE '%建国%'` searches through
`assist_name_grams(name) @> ARRAY['建国']`, two-character queries included, and is kept up to
date with the row by the database itself. SQLite keeps the plain LIKE.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'scale'
down_revision = 'mutual'
branch_labels = None
depends_on = None

NAME_GRAMS = """
CREATE OR REPLACE FUNCTION assist_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM generate_series(1, char_length(name)) AS i,
         LATERAL (VALUES (substr(name, i, 1)), (substr(name, i, 2))) AS grams(g)
$$
"""


def upgrade():
    op.create_table('background_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('worker', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_jobs'))
    )
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_background_jobs_kind_status', ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_background_jobs_status'), ['status'], unique=False)

    op.create_table('ledger_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('rows_checked', sa.BigInteger(), nullable=False),
    sa.Column('difference_count', sa.Integer(), nullable=False),
    sa.Column('differences', sa.JSON(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['background_jobs.id'], name=op.f('fk_ledger_checks_job_id_background_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checks'))
    )
    with op.batch_alter_table('ledger_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_checks_finished_at'), ['finished_at'], unique=False)

    # The ledger's totals kept on each balance row (funds pages no longer sum the ledger).
    with op.batch_alter_table('fund_balances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entries', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('by_kind', sa.JSON(), nullable=False, server_default='{}'))
    bind = op.get_bind()
    totals = {}
    for fund_id, centre_id, kind, total, count in bind.execute(sa.text(
        "SELECT fund_id, centre_id, kind, sum(amount_fen), count(*) FROM ledger_entries "
        "GROUP BY fund_id, centre_id, kind"
    )):
        t = totals.setdefault((fund_id, centre_id), {"entries": 0, "by_kind": {}})
        t["entries"] += int(count)
        t["by_kind"][kind] = int(total)
    json_param = "CAST(:j AS json)" if bind.dialect.name == 'postgresql' else ":j"
    for (fund_id, centre_id), t in totals.items():
        bind.execute(
            sa.text(
                f"UPDATE fund_balances SET entries = :n, by_kind = {json_param} "  # noqa: S608
                "WHERE fund_id = :f AND centre_id = :c"
            ),
            {"n": t["entries"], "j": json.dumps(t["by_kind"]), "f": fund_id, "c": centre_id},
        )

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(NAME_GRAMS)
        op.execute(
            "CREATE INDEX ix_applicants_name_grams ON applicants "
            "USING gin (assist_name_grams(name))"
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_applicants_name_grams")
        op.execute("DROP FUNCTION IF EXISTS assist_name_grams(text)")
    with op.batch_alter_table('fund_balances', schema=None) as batch_op:
        batch_op.drop_column('by_kind')
        batch_op.drop_column('entries')
    with op.batch_alter_table('ledger_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_checks_finished_at'))
    op.drop_table('ledger_checks')
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_jobs_status'))
        batch_op.drop_index('ix_background_jobs_kind_status')
    op.drop_table('background_jobs')
