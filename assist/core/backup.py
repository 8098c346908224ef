"""`flask --app assist backup DIR` / `restore DIR`: the database and the stored files.

PostgreSQL goes through pg_dump/pg_restore (custom format), SQLite through its online backup
API; the files under STORAGE_DIR (attachments, print results) are copied beside it, with a
manifest of what the backup holds. Restoring replaces the database and the stored files.
The data key (ASSIST_DATA_KEY) is NOT in the backup: keep it apart, the IDs need it.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from assist.core.timeutil import utcnow
from assist.extensions import db

DUMP = "database.dump"
SQLITE = "database.sqlite3"
STORAGE = "storage"
MANIFEST = "manifest.json"


def _pg_args(url) -> tuple[list[str], dict]:
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def counts() -> dict[str, int]:
    """Rows per table: what a restore must bring back."""
    out = {}
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        out[table.name] = db.session.scalar(select(func.count()).select_from(table)) or 0
    return out


def backup(target: Path) -> dict:
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    manifest = {
        "created_at": utcnow().isoformat() + "Z",
        "dialect": url.get_backend_name(),
        "migration": db.session.scalar(text("SELECT version_num FROM alembic_version")),
        "rows": counts(),
    }
    db.session.rollback()
    if url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        subprocess.run(  # noqa: S603
            ["pg_dump", "-Fc", "--no-owner", *args, "-f", str(target / DUMP), url.database],  # noqa: S607
            env=env,
            check=True,
        )
    else:
        dst = sqlite3.connect(target / SQLITE)
        src = sqlite3.connect(url.database)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    storage = Path(current_app.config["STORAGE_DIR"])
    if (target / STORAGE).exists():
        shutil.rmtree(target / STORAGE)
    if storage.exists():
        shutil.copytree(storage, target / STORAGE)
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def restore(source: Path) -> dict:
    manifest = json.loads((source / MANIFEST).read_text())
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["dialect"] != url.get_backend_name():
        raise click.ClickException(
            f"this backup is of a {manifest['dialect']} database; the app uses "
            f"{url.get_backend_name()}"
        )
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        subprocess.run(  # noqa: S603
            [  # noqa: S607 - the PostgreSQL client tools from PATH
                "psql",
                "-q",
                *args,
                "-d",
                url.database,
                "-c",
                "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603
            [  # noqa: S607 - the PostgreSQL client tools from PATH
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                *args,
                "-d",
                url.database,
                str(source / DUMP),
            ],
            env=env,
            check=True,
        )
    else:
        src = sqlite3.connect(source / SQLITE)
        dst = sqlite3.connect(url.database)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    storage = Path(current_app.config["STORAGE_DIR"])
    if storage.exists():
        shutil.rmtree(storage)
    if (source / STORAGE).exists():
        shutil.copytree(source / STORAGE, storage)
    else:
        storage.mkdir(parents=True)
    return manifest


@click.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_cmd(target: Path):
    """Back the database and the stored files up into the directory TARGET."""
    manifest = backup(target)
    rows = manifest["rows"]
    click.echo(
        f"backup: {target} — {rows.get('applicants', 0)} files, {rows.get('aid_cases', 0)} cases, "
        f"{rows.get('payments', 0)} payments, {rows.get('ledger_entries', 0)} ledger rows "
        f"(migration {manifest['migration']}). Keep ASSIST_DATA_KEY apart from it."
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: the database is replaced.")
@with_appcontext
def restore_cmd(source: Path, yes: bool):
    """Replace the database and the stored files with the backup in SOURCE."""
    if not yes:
        click.confirm("This replaces the database and the stored files. Go on?", abort=True)
    manifest = restore(source)
    found = counts()
    missing = {t: n for t, n in manifest["rows"].items() if found.get(t) != n}
    if missing:
        raise click.ClickException(f"restored row counts differ: {missing}")
    click.echo(f"restore: {source} — every table has the rows the backup recorded.")
