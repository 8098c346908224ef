"""`flask --app assist centres …`."""

import click
from flask.cli import AppGroup

from assist.centres import services
from assist.core.errors import DomainError
from assist.core.money import format_yuan, parse_yuan
from assist.extensions import db

centres_cli = AppGroup("centres", help="Manage the centre network.")


@centres_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--parent", "parent_code", help="Code of the parent centre (none: a city centre).")
@click.option("--address", default="")
@click.option("--phone", default="")
@click.option("--approval-limit", help="Approval limit in yuan (default: the tier's).")
def add(code, name, parent_code, address, phone, approval_limit):
    """Add a centre; its tier follows from the parent."""
    parent = None
    if parent_code:
        parent = services.find_centre(parent_code)
        if parent is None:
            raise click.ClickException(f"no centre with code {parent_code}")
    try:
        limit = parse_yuan(approval_limit) if approval_limit else None
        centre = services.create_centre(
            acting_user=None,
            code=code,
            name=name,
            parent=parent,
            address=address,
            phone=phone,
            approval_limit_fen=limit,
        )
    except (DomainError, ValueError) as err:
        db.session.rollback()
        raise click.ClickException(str(getattr(err, "message", err))) from err
    db.session.commit()
    click.echo(f"added {centre.code} (tier {centre.tier})")


@centres_cli.command("list")
def list_centres():
    """List every centre as an indented tree."""
    from sqlalchemy import select

    from assist.centres.models import Centre

    for centre in db.session.scalars(select(Centre).order_by(Centre.path)):
        indent = "  " * (centre.tier - 1)
        state = "" if centre.is_active else "  [inactive]"
        click.echo(
            f"{indent}{centre.code}  {centre.name}  "
            f"limit ¥{format_yuan(centre.approval_limit_fen)}{state}"
        )
