"""Chinese resident ID card numbers (GB 11643): shape and check digit; mobile numbers as one
person's, whatever digits they were typed in."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalise_id_number(text: str) -> str:
    return text.strip().upper()


def normalise_phone(text: str) -> str:
    """A mobile number as plain ASCII digits: full-width or other scripts' digits become 0-9,
    and the spaces and dashes people type between groups go, so one number is stored one way
    (the rule of one open application per number compares these)."""
    digits = (str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    return "".join(c for c in digits if not c.isspace() and c != "-")


def check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid_id_number(text: str) -> bool:
    """18 characters, a real birth date, and the right check digit."""
    number = normalise_id_number(text)
    if not _SHAPE.match(number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17] == check_digit(number[:17])
