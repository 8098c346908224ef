"""What a print worker process runs: HTML in, PDF bytes out (no Flask, no database)."""

from pathlib import Path

from assist.documents.pdf import render_pdf


def warm_up() -> None:
    """Load fonts and the print stylesheet once per worker process."""
    render_pdf("<p>预热</p>", static_root=_static_root())


def _static_root() -> Path:
    return Path(__file__).resolve().parent.parent / "static"


def render(html: str) -> bytes:
    return render_pdf(html, static_root=_static_root())
