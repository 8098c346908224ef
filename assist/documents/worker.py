"""What a print worker process runs: HTML in, PDF bytes out (no Flask, no database)."""

from pathlib import Path

from assist.documents.pdf import render_pdf
from assist.jobs.priority import current, lower_priority


def warm_up(nice: int = 0) -> None:
    """Pool initializer: drop to CPU niceness `nice` (JOB_NICE; 0 leaves the priority alone)
    so renders yield the CPU to the web workers, then load fonts and the print stylesheet
    once per worker process."""
    lower_priority(nice)
    render_pdf("<p>预热</p>", static_root=_static_root())


def _static_root() -> Path:
    return Path(__file__).resolve().parent.parent / "static"


def render(html: str) -> bytes:
    return render_pdf(html, static_root=_static_root())


def niceness() -> int:
    """The renderer process's CPU niceness (what the pool's initializer left it at)."""
    return current()
