"""Moved to `assist.centres.scoping` (it depends on the centre tree); kept as an alias so
code written against the old path keeps working."""

from assist.centres.scoping import *  # noqa: F403
from assist.centres.scoping import __all__  # noqa: F401
