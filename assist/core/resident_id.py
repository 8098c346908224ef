"""Resident ID numbers (GB 11643-1999): checksum, birth date, gender.

python-stdnum supplies the checksum and the date. Its birth-place check is not used as a
gate: region codes stay on IDs after districts merge or are renamed (Suzhou's 320502–320506
live on in 姑苏区), so a real resident's number must never be refused for its region.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import isdigits

from assist.core.errors import ValidationError


@dataclass(frozen=True)
class ResidentIdInfo:
    number: str
    gender: str  # "M" or "F"
    birth_date: date
    region_code: str
    is_region_known: bool


def _region_known(number: str) -> bool:
    try:
        ric.get_birth_place(number)
    except (StdnumError, KeyError, ValueError):
        return False
    return True


def parse_resident_id(
    raw: str | None, *, field: str = "id_number", today: date | None = None
) -> ResidentIdInfo:
    """Check an 18-digit resident ID and derive gender and birth date, or raise ValidationError."""

    def fail(message: str):
        raise ValidationError(message, fields={field: message})

    number = ric.compact(raw or "")
    if not number:
        fail(_("Enter the 18-digit resident ID number."))
    if len(number) == 15 and isdigits(number):
        fail(
            _(
                "This is a 15-digit ID from before 1999. Convert it to 18 digits: insert 19 "
                "before the two-digit birth year and add the check character (the holder's "
                "current ID card shows the 18-digit number)."
            )
        )
    if len(number) != 18:
        fail(_("A resident ID has 18 characters; this one has %(n)d.", n=len(number)))
    if not isdigits(number[:17]) or not (number[17].isdigit() or number[17] == "X"):
        fail(_("A resident ID is 17 digits followed by a digit or X."))
    if number[17] != ric.calc_check_digit(number):
        fail(_("The check character does not match: the number has a typing error."))
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        fail(_("The birth date in this ID (%(d)s) is not a real date.", d=number[6:14]))
    today = today or date.today()
    if birth > today or birth.year < 1900:
        fail(_("The birth date in this ID (%(d)s) is impossible.", d=birth.isoformat()))
    return ResidentIdInfo(
        number=number,
        gender="M" if int(number[16]) % 2 else "F",
        birth_date=birth,
        region_code=number[:6],
        is_region_known=_region_known(number),
    )


def make_resident_id(region: str, birth: date, sequence: int) -> str:
    """Build a valid ID from its parts (for demo data and tests); odd sequence means male."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")
