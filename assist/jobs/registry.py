"""Job kinds: each domain registers what it runs in the background."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    """A kind of background work.

    `run(params)` does the work inside an app context and returns a JSON-able result (or
    None); it commits its own progress. `every` (seconds) makes it periodic.
    """

    name: str
    run: Callable[[dict], dict | None]
    every: int | None = None
    timeout: int = 3600


_KINDS: dict[str, JobKind] = {}


def register_kind(name: str, run, *, every: int | None = None, timeout: int = 3600) -> JobKind:
    kind = JobKind(name, run, every, timeout)
    _KINDS[name] = kind
    return kind


def get_kind(name: str) -> JobKind:
    return _KINDS[name]


def kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def periodic_kinds() -> list[JobKind]:
    return [k for k in kinds() if k.every]
