"""`flask mutual-aid …`: the working-day calendar from a simple list."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from assist.auth.models import User
from assist.core.errors import DomainError
from assist.extensions import db

mutual_aid_cli = click.Group("mutual-aid", help="Mutual aid: the working-day calendar.")


@mutual_aid_cli.command("calendar-import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="The city administrator it is done as.")
@with_appcontext
def calendar_import(path: Path, username: str) -> None:
    """Set public holidays and adjusted working days from PATH (UTF-8), one a line:
    `2027-10-01 holiday 国庆节`, `2027-09-26 workday 调休` (休/班 also do). Audited."""
    from assist.mutual_aid import services

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise click.ClickException("the file is not UTF-8 text") from err
    try:
        count = services.import_calendar(acting_user=user, text=text)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(
            next(iter(err.fields.values()), err.message) if err.fields else err.message
        ) from err
    db.session.commit()
    click.echo(f"{count} day(s) set")
