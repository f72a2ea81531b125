"""GB 11643-1999 citizen identity numbers: check character, birth date, sex.

An 18-character number is a 6-digit region code (GB/T 2260), the birth date
YYYYMMDD, a 3-digit sequence code (odd for men, even for women) and an
ISO 7064 MOD 11-2 check character.  Validation here is strict (uppercase X,
no spaces, real date not in the future, known region code); reading OCR text
into that canonical form is a separate, explicit step (`normalise_ocr_number`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from docwarden.engines.idcard.regions import region_known

# W_i = 2^(17-i) mod 11 for the 17 body digits.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
NUMBER_LENGTH = 18
LEGACY_LENGTH = 15
_CANONICAL = re.compile(r"\d{17}[\dX]")
_LEGACY = re.compile(r"\d{15}")
# OCR confusions inside a digit string; only applied to text that is already mostly digits.
_LOOKALIKE_DIGITS = {"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1",
                     "i": "1", "Z": "2", "S": "5", "B": "8"}
_DIGIT_LOOKALIKES = str.maketrans(_LOOKALIKE_DIGITS)
_X_LOOKALIKES = ("x", "×", "χ", "Χ", "ㄨ", "乂", "✕", "✗")


@dataclass(frozen=True)
class NumberInfo:
    """What an 18-character number says about its holder (None where unreadable)."""

    region_code: str
    birth_date: dt.date | None
    sex: str  # "男" (odd sequence) or "女" (even sequence)


def check_char(body17: str) -> str:
    """The MOD 11-2 check character for 17 digits."""
    if len(body17) != NUMBER_LENGTH - 1 or not body17.isascii() or not body17.isdigit():
        raise ValueError("the check character is defined for exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def has_valid_format(number: str) -> bool:
    """17 ASCII digits then a digit or uppercase X, nothing else."""
    return bool(_CANONICAL.fullmatch(number)) and number.isascii()


def checksum_ok(number: str) -> bool:
    """Format and check character both right (date and region not looked at)."""
    return has_valid_format(number) and check_char(number[:17]) == number[17]


def parse_date8(digits: str) -> dt.date | None:
    """YYYYMMDD -> date, or None when it is not a real calendar date."""
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def info(number: str) -> NumberInfo | None:
    """Region, birth date and sex encoded in a well-formed 18-character number."""
    if not has_valid_format(number):
        return None
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return NumberInfo(number[:6], parse_date8(number[6:14]), sex)


def validate(number: str, today: dt.date | None = None) -> bool:
    """Strict GB 11643-1999 check: format, check character, real past date, known region.

    Abolished region codes count as known: numbers issued while they existed
    stay valid for life.
    """
    if not checksum_ok(number):
        return False
    birth = parse_date8(number[6:14])
    if birth is None or birth > (today or dt.date.today()):
        return False
    return region_known(number[:6])


def upgrade_legacy(number15: str) -> str | None:
    """A first-generation 15-digit number (19YYMMDD implied) as its 18-character form."""
    if not _LEGACY.fullmatch(number15) or not number15.isascii():
        return None
    body = number15[:6] + "19" + number15[6:]
    if parse_date8(body[6:14]) is None:
        return None
    return body + check_char(body)


def normalise_ocr_number(text: str) -> str:
    """OCR text of a number -> canonical form: NFKC, no spaces, X for x/×, look-alike digits.

    The result is what was printed as far as OCR can tell; it is never repaired
    to make the check character agree.
    """
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not cleaned:
        return cleaned
    last = cleaned[-1]
    if last in _X_LOOKALIKES or last == "X":
        return cleaned[:-1].translate(_DIGIT_LOOKALIKES) + "X"
    return cleaned.translate(_DIGIT_LOOKALIKES)


def candidates(text: str) -> list[str]:
    """Digit runs of 15-19 characters in OCR text (an X may end one), canonicalised."""
    normalised = unicodedata.normalize("NFKC", text)
    x_chars = "".join(re.escape(char) for char in ("X", *_X_LOOKALIKES))
    body = "".join(re.escape(char) for char in _LOOKALIKE_DIGITS)
    runs = re.findall(rf"[0-9{body} ]{{14,}}[0-9{x_chars}]", normalised)
    found: list[str] = []
    for run in runs:
        number = normalise_ocr_number(run)
        digits = sum(char.isdigit() for char in number)
        if LEGACY_LENGTH <= len(number) <= NUMBER_LENGTH + 1 and digits >= len(number) - 2:
            found.append(number)
    return found
