"""The migrated schema must equal the models' schema, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from assist.extensions import db


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ; add a migration: {differences}"


def test_every_model_table_exists(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables


def test_downgrade_and_upgrade_round_trip(tmp_path):
    """Every migration has a real downgrade: down to nothing and back up again."""
    from flask_migrate import downgrade, upgrade

    from assist import create_app

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = [
                r[0]
                for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
                if r[0] != "alembic_version"
            ]
        assert left == []
        upgrade()
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()
