"""The kinds of printed document: how each loads its subject and builds its plain data.

Each domain registers its documents here (`register(DocumentSpec(...))`); the issuing,
verifying and batch-printing machinery works the same for all of them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from assist.core.errors import NotFound


@dataclass(frozen=True)
class DocumentSpec:
    kind: str
    title: object  # a lazy string, e.g. _l("Hardship file")
    template: str  # under templates/, e.g. "documents/case_file.html"
    version: str  # bump when the template's layout or content changes
    #: Load the subject by id within the user's scope, or raise NotFound.
    load: Callable
    #: Build the template's plain data (dicts, lists, str, int) from the subject;
    #: the flag says whether full ID numbers may be shown.
    build: Callable
    centre_id: Callable
    label: Callable
    #: Roles allowed to print full ID numbers and bank accounts (audited); others get masks.
    full_id_roles: tuple = ()
    #: For batch printing: (user) -> [(value, label)] choices, and (user, value) -> [(id, label)].
    batch_choices: Callable | None = None
    batch_subjects: Callable | None = None
    batch_title: object = ""
    #: For batch downloads: (user, ids) -> the set of those ids the user could `load`, in one
    #: query (raises like `load` when the role may not print the kind at all).
    load_many: Callable | None = None
    extra: dict = field(default_factory=dict)


_SPECS: dict[str, DocumentSpec] = {}


def register(spec: DocumentSpec) -> DocumentSpec:
    _SPECS[spec.kind] = spec
    return spec


def get_spec(kind: str) -> DocumentSpec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise NotFound("no such document kind") from None


def all_specs() -> list[DocumentSpec]:
    return list(_SPECS.values())


def batch_specs() -> list[DocumentSpec]:
    return [s for s in _SPECS.values() if s.batch_subjects is not None]
