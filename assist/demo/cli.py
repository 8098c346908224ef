"""`flask --app assist seed-demo`: a Suzhou-like demo network with users and data."""

import random

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from assist.auth import services as auth_services
from assist.auth.models import Role
from assist.centres import services as centre_services
from assist.centres.models import Centre
from assist.extensions import db

#: (code, name, parent code, address, phone)
NETWORK = [
    ("SZ", "苏州市总工会职工援助服务中心", None, "苏州市姑苏区三香路120号", "0512-65230000"),
    ("SZ-GS", "姑苏区总工会职工援助服务中心", "SZ", "苏州市姑苏区人民路1号", "0512-65220001"),
    ("SZ-GS-PJ", "平江街道职工服务站", "SZ-GS", "苏州市姑苏区白塔东路20号", "0512-67270002"),
    ("SZ-GS-CL", "沧浪街道职工服务站", "SZ-GS", "苏州市姑苏区书院巷8号", "0512-65190003"),
    ("SZ-GS-JC", "金阊街道职工服务站", "SZ-GS", "苏州市姑苏区石路88号", "0512-65330004"),
    ("SZ-WZ", "吴中区总工会职工援助服务中心", "SZ", "苏州市吴中区东吴北路99号", "0512-65250005"),
    ("SZ-WZ-CQ", "长桥街道职工服务站", "SZ-WZ", "苏州市吴中区龙西路10号", "0512-65620006"),
    ("SZ-WZ-MD", "木渎镇职工服务站", "SZ-WZ", "苏州市吴中区木渎镇中山东路5号", "0512-66270007"),
]

#: Domains add functions `fn(rng: random.Random) -> str` that seed their demo data, through
#: `seeder(order)`. They run by that order, not by import order: a test module that imports a
#: domain's demo early (for a helper in it) must not make it seed before what it builds on.
SEEDERS: list = []

#: The order domains seed in: each builds on the ones before it.
SEED_ORDER = {"files": 10, "cases": 20, "funds": 30, "mutual_aid": 40, "campaigns": 50}


def seeder(name: str):
    """Register `fn(rng) -> str` as the demo seeder of domain `name` (a key of SEED_ORDER)."""
    order = SEED_ORDER[name]

    def register(fn):
        if all(existing is not fn for _order, existing in SEEDERS):
            SEEDERS.append((order, fn))
            SEEDERS.sort(key=lambda entry: entry[0])
        return fn

    return register


def demo_username(code: str, role: Role) -> str:
    return f"{code.lower()}.{role.value}"


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has centres.")
@click.option("--seed", default=2026, show_default=True, help="Random seed for demo data.")
@with_appcontext
def seed_demo(if_empty: bool, seed: int):
    """Build the demo network: centres, one user per role at each centre, and demo data."""
    if db.session.scalar(select(func.count(Centre.id))):
        if if_empty:
            click.echo("seed-demo: the database already has centres; nothing to do.")
            return
        raise click.ClickException("the database already has centres; use an empty database")
    passwords, summaries = seed_all(seed)
    db.session.commit()
    click.echo("Demo network created. These passwords are shown once; note the ones you need:")
    click.echo(f"{'username':28} password")
    for username, password in passwords:
        click.echo(f"{username:28} {password}")
    for line in summaries:
        click.echo(line)


def seed_all(seed: int = 2026, password: str | None = None) -> tuple[list, list[str]]:
    """Build the network and every domain's demo data; return (passwords, summaries)."""
    passwords = build_network(password)
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not secrets)
    return passwords, [seed(rng) for _order, seed in SEEDERS]


def build_network(password: str | None = None) -> list[tuple[str, str]]:
    """Create the demo centres and users; return (username, password) pairs.

    Each user gets a random password unless `password` is given (the tests use one).
    """
    centres: dict[str, Centre] = {}
    for code, name, parent, address, phone in NETWORK:
        centres[code] = centre_services.create_centre(
            acting_user=None,
            code=code,
            name=name,
            parent=centres.get(parent) if parent else None,
            address=address,
            phone=phone,
        )
    passwords = []
    for code, centre in centres.items():
        for role in Role:
            username = demo_username(code, role)
            user_password = password or auth_services.generate_password()
            auth_services.create_user(
                acting_user=None,
                username=username,
                centre=centre,
                roles=[role],
                password=user_password,
                full_name=f"{centre.name[:6]}{_ROLE_ZH[role]}",
                must_change_password=False,
            )
            passwords.append((username, user_password))
    return passwords


_ROLE_ZH = {
    Role.CASEWORKER: "经办人",
    Role.SUPERVISOR: "审批人",
    Role.FINANCE: "财务",
    Role.AUDITOR: "经审",
    Role.ADMIN: "管理员",
}
