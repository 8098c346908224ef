"""Compile every domain's Babel catalogue (.po → .mo); `python -m assist.i18n`."""

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent


def compile_catalogues(verbose: bool = False) -> int:
    """Compile each messages.po whose .mo is missing or older; return how many were built."""
    built = 0
    for po_path in sorted(PACKAGE.glob("**/translations/*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalogue = read_po(fh)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalogue, use_fuzzy=False)
        built += 1
        if verbose:
            print(f"compiled {po_path.relative_to(PACKAGE.parent)}")
    return built


#: Each catalogue and the sources it is extracted from (package folders, template folders).
CATALOGUES = {
    "core": (
        "assist/translations",
        [
            "assist/__init__.py",
            "assist/core",
            "assist/auth",
            "assist/centres",
            "assist/audit",
            "assist/home",
            "assist/api",
            "assist/demo",
            "templates/base.html",
            "templates/macros.html",
            "templates/auth",
            "templates/users",
            "templates/centres",
            "templates/audit",
            "templates/errors",
            "templates/home",
        ],
    ),
    "applicants": (
        "assist/applicants/translations",
        [
            "assist/applicants",
            "assist/attachments",
            "templates/applicants",
            "templates/attachments",
        ],
    ),
    "cases": ("assist/cases/translations", ["assist/cases", "templates/cases"]),
    "funds": ("assist/funds/translations", ["assist/funds", "templates/funds"]),
    "documents": ("assist/documents/translations", ["assist/documents", "templates/documents"]),
    "stats": ("assist/stats/translations", ["assist/stats", "templates/stats"]),
    "returns": ("assist/returns/translations", ["assist/returns", "templates/returns"]),
    "imports": ("assist/imports/translations", ["assist/imports", "templates/imports"]),
    "exchange": ("assist/exchange/translations", ["assist/exchange", "templates/exchange"]),
    "mutual_aid": ("assist/mutual_aid/translations", ["assist/mutual_aid", "templates/mutual_aid"]),
    "inbox": ("assist/inbox/translations", ["assist/inbox", "templates/inbox", "templates/nav"]),
    "exports": ("assist/exports/translations", ["assist/exports", "templates/exports"]),
    "search": ("assist/search/translations", ["assist/search", "templates/search"]),
    "help": ("assist/help/translations", ["assist/help", "templates/help"]),
    "campaigns": (
        "assist/campaigns/translations",
        ["assist/campaigns", "assist/pairings", "templates/campaigns", "templates/pairings"],
    ),
}


def extract(name: str) -> None:
    """Refresh one catalogue's messages.po from its sources (needs the pybabel command)."""
    import subprocess  # noqa: S404  (developer tool, fixed arguments)

    out_dir, sources = CATALOGUES[name]
    root = PACKAGE.parent
    pot = root / out_dir / "messages.pot"
    pot.parent.mkdir(parents=True, exist_ok=True)
    bindir = Path(sys.executable).parent
    subprocess.run(  # noqa: S603
        [
            str(bindir / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "-o",
            str(pot),
            *sources,
        ],
        check=True,
        cwd=root,
    )
    po = root / out_dir / "zh_Hans/LC_MESSAGES/messages.po"
    action = "update" if po.exists() else "init"
    subprocess.run(  # noqa: S603
        [
            str(bindir / "pybabel"),
            action,
            "-i",
            str(pot),
            "-d",
            str(root / out_dir),
            "-l",
            "zh_Hans",
            "--no-wrap",
        ]
        + (["--ignore-obsolete"] if action == "update" else []),
        check=True,
        cwd=root,
    )
    pot.unlink()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "extract":
        extract(sys.argv[2])
    else:
        count = compile_catalogues(verbose=True)
        print(f"{count} catalogue(s) compiled", file=sys.stderr)
