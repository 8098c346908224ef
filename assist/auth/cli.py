"""`flask --app assist users …`."""

import sys

import click
from flask.cli import AppGroup

from assist.auth import services
from assist.auth.models import Role
from assist.centres.services import find_centre
from assist.core.errors import DomainError
from assist.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("add")
@click.argument("username")
@click.option("--centre", "centre_code", required=True, help="Code of the user's centre.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="A role; repeat for several.",
)
@click.option("--name", "full_name", default="", help="The user's full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--must-change/--no-must-change",
    default=False,
    help="Make the user choose a new password at first sign-in.",
)
def add(username, centre_code, roles, full_name, password_stdin, must_change):
    """Add a user; without --password-stdin a random password is printed once."""
    centre = find_centre(centre_code)
    if centre is None:
        raise click.ClickException(f"no centre with code {centre_code}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        printed = False
    else:
        password = services.generate_password()
        printed = True
    try:
        user = services.create_user(
            acting_user=None,
            username=username,
            centre=centre,
            roles=roles,
            password=password,
            full_name=full_name,
            must_change_password=must_change,
        )
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from err
    db.session.commit()
    click.echo(
        f"added {user.username} at {centre.code} with roles "
        f"{', '.join(sorted(r.value for r in user.roles))}"
    )
    if printed:
        click.echo(f"password: {password}")


@users_cli.command("list")
def list_users():
    """List every user with their centre and roles."""
    from sqlalchemy import select

    from assist.auth.models import User

    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "" if user.is_active_account else "  [inactive]"
        click.echo(
            f"{user.username:24} {user.centre.code:12} "
            f"{','.join(sorted(r.value for r in user.roles))}{state}"
        )
